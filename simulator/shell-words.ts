/**
 * Shell words of the first simple command in `text`: quotes and backslashes as sh reads them; an
 * unquoted `;`, `|`, `&`, `<` or `>` ends the command (only the first one is answered). A `$(…)`
 * becomes what `substitute` answers for the command inside, trailing newlines dropped and, outside
 * double quotes, split into words at blanks, as sh does; without `substitute` it stays as written.
 */
export function words(text: string, substitute?: (command: string) => string): string[] {
  const out: string[] = [];
  let word = '';
  let inWord = false;
  /** The substitution opening at `i` (`$(`): its output and the index of its `)`, or null when there is none. */
  const substitution = (i: number): { output: string; end: number } | null => {
    if (!substitute || !text.startsWith('$(', i)) return null;
    const end = closingParenthesis(text, i + 2);
    if (end < 0) return null;
    return { output: substitute(text.slice(i + 2, end)).replace(/\n+$/, ''), end };
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text.charAt(i);
    const substituted = substitution(i);
    if (substituted) {
      // Each blank-separated field is a word of its own; the first and last join what touches them.
      substituted.output.split(/[ \t\n]+/).forEach((field, index) => {
        if (index > 0 && inWord) {
          out.push(word);
          word = '';
          inWord = false;
        }
        if (field !== '') {
          word += field;
          inWord = true;
        }
      });
      i = substituted.end;
    } else if (ch === "'") {
      const end = text.indexOf("'", i + 1);
      word += text.slice(i + 1, end < 0 ? text.length : end);
      i = end < 0 ? text.length : end;
      inWord = true;
    } else if (ch === '"') {
      let j = i + 1;
      for (; j < text.length && text.charAt(j) !== '"'; j++) {
        const quoted = substitution(j);
        if (quoted) {
          word += quoted.output;
          j = quoted.end;
          continue;
        }
        if (text.charAt(j) === '\\' && '"\\$`'.includes(text.charAt(j + 1))) j++;
        word += text.charAt(j);
      }
      i = j;
      inWord = true;
    } else if (ch === '\\') {
      word += text.charAt(i + 1);
      i++;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) out.push(word);
      word = '';
      inWord = false;
    } else if (';|&<>'.includes(ch)) {
      break;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (inWord) out.push(word);
  return out;
}

/** Index of the `)` that closes a `$(` whose command starts at `from`, past nested parentheses and quotes; -1 when none does. */
function closingParenthesis(text: string, from: number): number {
  let depth = 1;
  for (let i = from; i < text.length; i++) {
    const ch = text.charAt(i);
    if (ch === '\\') i++;
    else if (ch === "'" || ch === '"') {
      const end = text.indexOf(ch, i + 1);
      if (end < 0) return -1;
      i = end;
    } else if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return i;
  }
  return -1;
}
