/**
 * A reply as a model writes them: every kind of block the chat renders, inline markup at line ends (where a stream
 * cuts it), prices next to math, bare addresses (autolinks), a reference link used before its definition, multi-byte characters.
 */
export const SAMPLE_REPLY = `# Sorting in Python

Use **\`sorted()\`**: a *new* list in $O(n \\log n)$.
Prices like $5 and $10 stay text. 日本語 🎉
More at www.python.org or https://python.org/doc, or ask help@example.com.

## Steps
1. Call \`sorted(items)\`
2. Pass \`key=\` for **order**
   - nested _detail_
   - ~~struck~~ text

- [x] docs
- [ ] tests

| Method | In place |
|--------|:--------:|
| \`sorted()\` | no |

\`\`\`python
def by_length(words):
    return sorted(words, key=len)  # \`len\`
\`\`\`

$$
\\sum_{i=1}^{n} i
$$

> **Note:** see [the guide](https://docs.python.org/3/howto/sorting.html) and [the ref][ref].

<b>not bold</b> &amp; done.
***
[ref]: https://example.com/ref
Bye **now** and _then_`;
