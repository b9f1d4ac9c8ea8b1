import { StringDecoder } from 'node:string_decoder';
import { Assembler } from 'stream-json/core/assembler.js';
import { jsonParser, type Token } from 'stream-json/core/parser.js';
import { getManyValues, isMany, none } from 'stream-chain/defs.js';

/**
 * A JSON document read as a stream, in constant memory whatever its size: what a history file is made of is a long
 * array of conversations, and only one of them at a time is ever built as an object. stream-json (a maintained
 * streaming tokenizer and assembler) does the parsing; this drives it chunk by chunk, so the reader can stop, yield
 * to the event loop and write to the database between items.
 *
 * The document is either an array (ChatGPT's `conversations.json`: each element is an item) or an object (a Phi Desk
 * export: the elements of its `itemsKey` array are the items; its other members are handed over as they come).
 */
export type JsonEvent =
  /** The document's first token: what kind of value it is. */
  | { type: 'start'; top: 'array' | 'object' | 'other' }
  /** A member of the top object other than `itemsKey`, with its value. */
  | { type: 'member'; key: string; value: unknown }
  /** The `itemsKey` array of the top object begins. */
  | { type: 'items' }
  /** One item, whole. `index` counts from 0 in the document. */
  | { type: 'item'; index: number; value: unknown }
  /** An item larger than `maxItemChars`: skipped without being built. */
  | { type: 'tooLarge'; index: number }
  /** The document is complete. */
  | { type: 'end' };

/** Why a document could not be read to its end, and how far it got (`bytes` read). */
export class JsonReadError extends Error {
  constructor(
    /** `truncated`: the file ends inside the document (cut short); `syntax`: it is not JSON from there on. */
    readonly kind: 'truncated' | 'syntax',
    message: string,
    readonly bytes: number,
  ) {
    super(message);
    this.name = 'JsonReadError';
  }
}

export interface JsonItemOptions {
  /** The top object's member whose array holds the items. */
  itemsKey: string;
  /** An item holding more characters of text than this is skipped (`tooLarge`), so memory stays bounded. */
  maxItemChars: number;
  /** Told of every chunk's size as it is read (progress). */
  onBytes?(bytes: number): void;
}

/**
 * The events of the document in `chunks` (UTF-8; a byte order mark is skipped), in order.
 * @throws JsonReadError when the document is cut short or is not JSON.
 */
export async function* readJsonItems(chunks: AsyncIterable<Buffer>, options: JsonItemOptions): AsyncGenerator<JsonEvent> {
  const parse = jsonParser({ streamValues: false });
  const decoder = new StringDecoder('utf8');
  const state = new ItemState(options);
  let bytes = 0;
  let first = true;
  for await (const chunk of chunks) {
    bytes += chunk.length;
    let text = decoder.write(chunk);
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    const events = state.consume(tokensOf(() => parse(text), bytes));
    options.onBytes?.(chunk.length);
    yield* events;
  }
  yield* state.consume(tokensOf(() => parse(decoder.end()), bytes));
  yield* state.consume(tokensOf(() => parse(none as never), bytes, true));
  if (!state.complete) {
    throw new JsonReadError('truncated', `it ends early, after ${bytes.toLocaleString('en-US')} bytes: the file is cut short`, bytes);
  }
  yield { type: 'end' };
}

function tokensOf(run: () => unknown, bytes: number, atEnd = false): Token[] {
  let result: unknown;
  try {
    result = run();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (atEnd) throw new JsonReadError('truncated', `it ends early, after ${bytes.toLocaleString('en-US')} bytes: the file is cut short`, bytes);
    throw new JsonReadError('syntax', `it is not valid JSON near byte ${bytes.toLocaleString('en-US')} (${reason})`, bytes);
  }
  if (result === none) return [];
  return isMany(result) ? (getManyValues(result) as Token[]) : [result as Token];
}

/** Where the reader is in the document, token by token. */
class ItemState {
  complete = false;
  readonly #options: JsonItemOptions;
  /** Nesting depth: 0 outside the document, 1 inside the top value. */
  #depth = 0;
  #top: 'array' | 'object' | 'other' | null = null;
  /** The top object's key whose value comes next. */
  #key: string | null = null;
  /** Depth at which items are the values: 1 in a top array, 2 in the top object's items array; 0 while none. */
  #itemDepth = 0;
  #inItems = false;
  #index = 0;
  /** The item or member value being built, or `skip` for one over the cap. */
  #building: { assembler: Assembler | null; chars: number; kind: 'item' | 'member'; key: string } | null = null;

  constructor(options: JsonItemOptions) {
    this.#options = options;
  }

  consume(tokens: Token[]): JsonEvent[] {
    const events: JsonEvent[] = [];
    for (const token of tokens) this.#token(token, events);
    return events;
  }

  #token(token: Token, events: JsonEvent[]): void {
    const opens = token.name === 'startObject' || token.name === 'startArray';
    const closes = token.name === 'endObject' || token.name === 'endArray';
    if (this.#top === null) {
      this.#top = token.name === 'startArray' ? 'array' : token.name === 'startObject' ? 'object' : 'other';
      events.push({ type: 'start', top: this.#top });
      if (this.#top === 'array') {
        this.#itemDepth = 1;
        this.#inItems = true;
      }
      if (opens) this.#depth = 1;
      else this.complete = true;
      return;
    }
    if (this.#building) {
      this.#build(token, opens, closes, events);
      return;
    }
    if (closes) {
      this.#depth -= 1;
      if (this.#inItems && this.#depth < this.#itemDepth) this.#inItems = false;
      if (this.#depth === 0) this.complete = true;
      return;
    }
    if (this.#inItems && this.#depth === this.#itemDepth) {
      this.#begin('item', String(this.#index), token, opens, closes, events);
      return;
    }
    if (this.#top === 'object' && this.#depth === 1) {
      if (token.name === 'keyValue') {
        this.#key = token.value;
        return;
      }
      const key = this.#key ?? '';
      this.#key = null;
      if (key === this.#options.itemsKey && token.name === 'startArray') {
        this.#depth = 2;
        this.#itemDepth = 2;
        this.#inItems = true;
        events.push({ type: 'items' });
        return;
      }
      this.#begin('member', key, token, opens, closes, events);
    }
  }

  #begin(kind: 'item' | 'member', key: string, token: Token, opens: boolean, closes: boolean, events: JsonEvent[]): void {
    this.#building = { assembler: new Assembler(), chars: 0, kind, key };
    this.#build(token, opens, closes, events);
  }

  #build(token: Token, opens: boolean, closes: boolean, events: JsonEvent[]): void {
    const building = this.#building!;
    if (opens) this.#depth += 1;
    if (closes) this.#depth -= 1;
    if (building.assembler) {
      if (token.name === 'stringValue' || token.name === 'keyValue' || token.name === 'numberValue') {
        building.chars += token.value.length + 8;
      } else {
        building.chars += 8;
      }
      if (building.chars > this.#options.maxItemChars) building.assembler = null;
      else building.assembler.consume(token);
    }
    const baseDepth = building.kind === 'item' ? this.#itemDepth : 1;
    if (this.#depth > baseDepth) return; // still inside the value
    this.#building = null;
    if (building.kind === 'member') {
      if (building.assembler) events.push({ type: 'member', key: building.key, value: building.assembler.current });
      return;
    }
    const index = this.#index++;
    events.push(building.assembler ? { type: 'item', index, value: building.assembler.current } : { type: 'tooLarge', index });
  }
}
