/** How many leading bytes {@link sniffContentType} needs to decide. */
export const SNIFF_BYTES = 256;

/** The ISO base media brands (bytes 8–11 of an `ftyp` box) and the type each one is. */
const FTYP_BRANDS: Readonly<Record<string, string>> = {
  isom: 'video/mp4',
  iso2: 'video/mp4',
  iso4: 'video/mp4',
  iso5: 'video/mp4',
  iso6: 'video/mp4',
  mp41: 'video/mp4',
  mp42: 'video/mp4',
  avc1: 'video/mp4',
  dash: 'video/mp4',
  mmp4: 'video/mp4',
  'M4V ': 'video/mp4',
  M4VH: 'video/mp4',
  'qt  ': 'video/quicktime',
  avif: 'image/avif',
  avis: 'image/avif',
};

const EXTENSIONS: Readonly<Record<string, string>> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'image/avif': 'avif',
  'image/svg+xml': 'svg',
  'video/mp4': 'mp4',
  'video/quicktime': 'mov',
  'video/webm': 'webm',
};

const ascii = (bytes: Uint8Array, from: number, to: number): string =>
  bytes.length < to ? '' : String.fromCharCode(...bytes.subarray(from, to));

/**
 * The content type the bytes really have (never what a client or file name claims), from
 * their first {@link SNIFF_BYTES}: PNG, JPEG, WebP, GIF, AVIF, MP4, QuickTime, WebM, or
 * (only with `svg: true`) SVG. Null for anything else, including an `ftyp` box too short to
 * name a known brand. An SVG can carry scripts: serve it only with a sandboxing CSP.
 */
export function sniffContentType(
  bytes: Uint8Array,
  options: { svg?: boolean } = {},
): string | null {
  if (bytes[0] === 0x89 && ascii(bytes, 1, 8) === 'PNG\r\n\x1a\n') return 'image/png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return 'image/webp';
  const gif = ascii(bytes, 0, 6);
  if (gif === 'GIF87a' || gif === 'GIF89a') return 'image/gif';
  if (ascii(bytes, 4, 8) === 'ftyp') {
    const boxSize = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
    const brand = FTYP_BRANDS[ascii(bytes, 8, 12)];
    return brand && boxSize >= 16 ? brand : null;
  }
  if (bytes[0] === 0x1a && bytes[1] === 0x45 && bytes[2] === 0xdf && bytes[3] === 0xa3) {
    return 'video/webm';
  }
  if (
    options.svg &&
    /^(\uFEFF)?\s*(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*<svg[\s>]/i.test(text(bytes))
  ) {
    return 'image/svg+xml';
  }
  return null;
}

function text(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, SNIFF_BYTES));
}

/** The file extension for a content type (`image/png` → `png`), `bin` for others. */
export function extensionFor(contentType: string): string {
  return EXTENSIONS[contentType.split(';')[0]!.trim().toLowerCase()] ?? 'bin';
}
