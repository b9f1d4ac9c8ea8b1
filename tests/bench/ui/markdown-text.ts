import type { WordList } from '../store/synthetic-text';

/**
 * Seeded Markdown for the UI benchmark, shaped like an assistant's answers: headings, paragraphs with emphasis,
 * inline code and links, bulleted, numbered and task lists, fenced code in several languages, tables, block quotes,
 * and TeX math inline and displayed. Prose comes from the store benchmark's Zipf word list, so the same seed gives
 * the same text.
 */
export class MarkdownWriter {
  readonly #words: WordList;
  readonly #random: () => number;

  constructor(words: WordList, random: () => number) {
    this.#words = words;
    this.#random = random;
  }

  /**
   * A long reply of at least `chars` characters: an introduction, then sections (a heading and, in turn, prose, a
   * list, a code block, a table, a formula, a quote, a task list) until it is long enough, and a closing line.
   */
  reply(chars: number): string {
    const parts = [this.paragraph(2, 3)];
    const sections = [
      () => this.bullets(),
      () => this.code(),
      () => this.table(),
      () => this.displayMath(),
      () => this.numbered(),
      () => this.code(),
      () => this.quote(),
      () => this.tasks(),
    ];
    let length = parts[0]!.length;
    for (let section = 0; length < chars; section++) {
      const block = [`## ${this.title()}`, this.paragraph(1, 3), sections[section % sections.length]!(), this.paragraph(1, 2)].join('\n\n');
      parts.push(block);
      length += block.length + 2;
    }
    parts.push(`That covers it: ${this.sentence().toLowerCase()}`);
    return parts.join('\n\n');
  }

  /**
   * Message `number` of a long conversation (its text starts `Message <number>.`, which is how the benchmark finds
   * it): a user's question, or an answer of one to three blocks (prose, a list, a short code block, now and then a
   * table or a formula). `extra` is added to its first sentence (a rare word to search for).
   */
  message(number: number, role: 'user' | 'assistant', extra = ''): string {
    const opening = `Message ${number}.${extra ? ` ${extra}` : ''} ${this.sentence()}`;
    if (role === 'user') return this.#random() < 0.3 ? `${opening} How do I use \`${this.identifier()}\` here?` : opening;
    const blocks = [opening, this.paragraph(1, 2)];
    const pick = this.#random();
    if (pick < 0.3) blocks.push(this.bullets(3, 5));
    else if (pick < 0.55) blocks.push(this.code(4, 9));
    else if (pick < 0.65) blocks.push(this.table(3));
    else if (pick < 0.72) blocks.push(this.displayMath());
    if (this.#random() < 0.4) blocks.push(this.paragraph(1, 2));
    return blocks.join('\n\n');
  }

  title(): string {
    return this.#words.text(2, 5).slice(0, -1);
  }

  /** A sentence, now and then with **bold**, _emphasis_, `code`, a link or inline math. */
  sentence(): string {
    const words = this.#words.text(8, 22).slice(0, -1).split(' ');
    const at = 1 + Math.floor(this.#random() * (words.length - 1));
    const word = words[at]!;
    const roll = this.#random();
    if (roll < 0.15) words[at] = `**${word}**`;
    else if (roll < 0.25) words[at] = `_${word}_`;
    else if (roll < 0.45) words[at] = `\`${this.identifier()}\``;
    else if (roll < 0.5) words[at] = `[${word}](https://example.com/${encodeURIComponent(word)})`;
    else if (roll < 0.56) words[at] = `$x_${1 + Math.floor(this.#random() * 9)}^2$`;
    return `${words.join(' ')}.`;
  }

  paragraph(min: number, max: number): string {
    const count = min + Math.floor(this.#random() * (max - min + 1));
    return Array.from({ length: count }, () => this.sentence()).join(' ');
  }

  bullets(min = 4, max = 6): string {
    return this.#list(min, max, () => '-');
  }

  numbered(): string {
    return this.#list(4, 6, (index) => `${index + 1}.`);
  }

  tasks(): string {
    return this.#list(3, 5, () => (this.#random() < 0.5 ? '- [x]' : '- [ ]'));
  }

  #list(min: number, max: number, marker: (index: number) => string): string {
    const count = min + Math.floor(this.#random() * (max - min + 1));
    return Array.from({ length: count }, (_, index) => `${marker(index)} ${this.#words.text(4, 12).slice(0, -1)}`).join('\n');
  }

  /** A fenced code block in TypeScript, Python, Bash or JSON. */
  code(minLines = 8, maxLines = 18): string {
    const lines = minLines + Math.floor(this.#random() * (maxLines - minLines + 1));
    const language = (['ts', 'python', 'bash', 'json'] as const)[Math.floor(this.#random() * 4)]!;
    const body: string[] = [];
    const name = (): string => this.identifier();
    const number = (): number => Math.floor(this.#random() * 1000);
    if (language === 'ts') {
      body.push(`export function ${name()}(${name()}: number, ${name()}: string[]): Record<string, number> {`);
      while (body.length < lines - 1) body.push(`  const ${name()} = ${name()}.map((item) => item.length * ${number()}); // ${this.#words.text(2, 5).slice(0, -1)}`);
      body.push('}');
    } else if (language === 'python') {
      body.push(`def ${name()}(${name()}, ${name()}=${number()}):`);
      while (body.length < lines - 1) body.push(`    ${name()} = [x * ${number()} for x in ${name()} if x > ${number()}]  # ${this.#words.word()}`);
      body.push(`    return ${name()}`);
    } else if (language === 'bash') {
      while (body.length < lines) body.push(`${this.#words.word()} --${this.#words.word()}=${number()} ./${name()}/${this.#words.word()}.txt | grep -c "${this.#words.word()}"`);
    } else {
      body.push('{');
      while (body.length < lines - 1) body.push(`  "${name()}": { "${this.#words.word()}": ${number()}, "enabled": ${this.#random() < 0.5} },`);
      body.push(`  "${name()}": null`, '}');
    }
    return `\`\`\`${language}\n${body.join('\n')}\n\`\`\``;
  }

  table(rows = 6): string {
    const header = Array.from({ length: 4 }, () => this.#words.word());
    const lines = [`| ${header.join(' | ')} |`, '| --- | --- | ---: | :---: |'];
    for (let row = 0; row < rows; row++) {
      lines.push(`| ${this.#words.word()} | \`${this.identifier()}\` | ${(this.#random() * 100).toFixed(1)} | ${this.#words.text(1, 3).slice(0, -1)} |`);
    }
    return lines.join('\n');
  }

  displayMath(): string {
    const formulas = [
      String.raw`\sum_{i=1}^{n} i = \frac{n(n+1)}{2}`,
      String.raw`\int_0^\infty e^{-x^2}\,dx = \frac{\sqrt{\pi}}{2}`,
      String.raw`f(x) = \frac{1}{\sigma\sqrt{2\pi}} e^{-\frac{(x-\mu)^2}{2\sigma^2}}`,
      String.raw`\mathbf{A}\mathbf{x} = \lambda \mathbf{x}, \quad \det(\mathbf{A} - \lambda I) = 0`,
    ];
    return `$$\n${formulas[Math.floor(this.#random() * formulas.length)]}\n$$`;
  }

  quote(): string {
    return `> ${this.paragraph(1, 2)}\n>\n> ${this.sentence()}`;
  }

  /** A camelCase name from two words. */
  identifier(): string {
    const second = this.#words.word();
    return `${this.#words.word()}${second.charAt(0).toUpperCase()}${second.slice(1)}`.replace(/[^A-Za-z]/g, '');
  }
}
