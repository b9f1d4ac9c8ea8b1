/**
 * A count and its noun, agreeing: `1 token`, `2 tokens`, `1,024 tensors`; `many` for irregular plurals
 * (`plural(1, 'older one is', 'older ones are')`). Counts are written as en-US numbers, as everywhere in the app.
 */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? one : many}`;
}
