import { describe, expect, it } from 'vitest';
import { ConversationSelection } from '../../../src-renderer/lib/conversation-selection.svelte';

// The sidebar's multi-selection: Ctrl-click toggles, Shift-click takes a run in the list's order, Select mode.
describe('ConversationSelection', () => {
  const order = ['a', 'b', 'c', 'd', 'e'];

  it('toggles one at a time; Shift extends from the last one toggled, either way, keeping what was selected', () => {
    const selection = new ConversationSelection();
    expect(selection.active).toBe(false);
    selection.toggle('b');
    expect(selection.active).toBe(true);
    selection.extendTo('d', order);
    expect(selection.ordered(order)).toEqual(['b', 'c', 'd']);
    selection.toggle('a'); // new anchor
    selection.extendTo('a', order);
    expect(selection.ordered(order)).toEqual(['a', 'b', 'c', 'd']);
    selection.toggle('c');
    expect(selection.ordered(order)).toEqual(['a', 'b', 'd']);
    selection.extendTo('e', order); // from c (the anchor) down
    expect(selection.ordered(order)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('Shift without an anchor selects just that one; select all; clear leaves Select mode', () => {
    const selection = new ConversationSelection();
    selection.extendTo('c', order);
    expect(selection.ordered(order)).toEqual(['c']);
    selection.selecting = true;
    selection.selectAll(order);
    expect(selection.count).toBe(5);
    selection.clear();
    expect(selection.count).toBe(0);
    expect(selection.selecting).toBe(false);
    expect(selection.active).toBe(false);
  });

  it('drops ids that are no longer listed', () => {
    const selection = new ConversationSelection();
    selection.selectAll(order);
    selection.keepOnly(new Set(order));
    expect(selection.count).toBe(5);
    selection.keepOnly(new Set(['a', 'e']));
    expect(selection.ordered(order)).toEqual(['a', 'e']);
  });
});
