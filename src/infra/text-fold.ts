/**
 * Case- and width-insensitive form of text for matching, shared by every store so that
 * `rust`, `Rust` and `Ｒｕｓｔ` find the same course everywhere.
 */
export function foldText(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

export function searchText(title: string, description: string, tags: readonly string[]): string {
  return foldText([title, description, ...tags].join('\n'));
}
