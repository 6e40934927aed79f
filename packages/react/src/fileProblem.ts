import type { FileRule } from '@jobgate/core/client';

const NAMES: Record<string, string> = { jpeg: 'JPEG', webp: 'WebP', webm: 'WebM' };

/** `image`, `video`, … when every accepted type shares it; `file` otherwise. */
export function fileKind(rule: FileRule): string {
  const kinds = new Set(rule.accept.map((type) => type.split('/')[0]));
  return kinds.size === 1 ? [...kinds][0]! : 'file';
}

const article = (word: string) => (/^([aeiou]|[FHLMNRSX][A-Z\d])/i.test(word) ? 'an' : 'a');
const withArticle = (word: string) => `${article(word)} ${word}`;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** What the rule accepts, in words: `a PNG, JPEG or WebP image`. */
export function acceptText(rule: FileRule): string {
  const names = rule.accept.map((type) => {
    const sub = type.split('/')[1] ?? type;
    return NAMES[sub] ?? sub.toUpperCase();
  });
  const list = names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names.at(-1)}` : names[0];
  return list ? withArticle(`${list} ${fileKind(rule)}`) : withArticle(fileKind(rule));
}

/**
 * A clear message for a file a field cannot take (empty, a type it does not accept, over its
 * size), or null when it is fine: checked in the page before anything is sent.
 */
export function fileProblem(rule: FileRule, file: { size: number; type: string }): string | null {
  if (file.size === 0) return 'the file is empty';
  if (rule.accept.length > 0 && !rule.accept.includes(file.type)) {
    return `${file.type || 'this file type'} is not accepted here: choose ${acceptText(rule)}`;
  }
  if (rule.maxBytes !== null && file.size > rule.maxBytes) {
    return `the file is ${mb(file.size)}; at most ${mb(rule.maxBytes)} for ${withArticle(fileKind(rule))}`;
  }
  return null;
}
