/**
 * Shell words of the first simple command in `text`: quotes and backslashes as sh reads them; an
 * unquoted `;`, `|`, `&`, `<` or `>` ends the command (only the first one is answered).
 */
export function words(text: string): string[] {
  const out: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charAt(i);
    if (ch === "'") {
      const end = text.indexOf("'", i + 1);
      word += text.slice(i + 1, end < 0 ? text.length : end);
      i = end < 0 ? text.length : end;
      inWord = true;
    } else if (ch === '"') {
      let j = i + 1;
      for (; j < text.length && text.charAt(j) !== '"'; j++) {
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
