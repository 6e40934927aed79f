import { describe, expect, it } from 'vitest';
import { extensionFor, sniffContentType } from '../domain/contentType.js';

const bytes = (...parts: Array<string | number[]>) =>
  Uint8Array.from(
    parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : p)),
  );

describe('sniffContentType', () => {
  it.each([
    ['image/png', bytes([0x89], 'PNG\r\n\x1a\n', [0, 0])],
    ['image/jpeg', bytes([0xff, 0xd8, 0xff, 0xe0])],
    ['image/webp', bytes('RIFF', [0, 0, 0, 0], 'WEBPVP8 ')],
    ['image/gif', bytes('GIF89a', [1, 0])],
    ['video/mp4', bytes([0, 0, 0, 0x18], 'ftypisom', [0, 0, 2, 0], 'isomiso2')],
    ['video/quicktime', bytes([0, 0, 0, 0x14], 'ftypqt  ', [0, 0, 0, 0], 'qt  ')],
    ['video/webm', bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f])],
  ])('reads %s from the bytes', (type, data) => {
    expect(sniffContentType(data)).toBe(type);
  });

  it('does not take a bare "ftyp" or an unknown brand for a video', () => {
    expect(sniffContentType(bytes([0, 0, 0, 0], 'ftyp'))).toBeNull();
    expect(sniffContentType(bytes([0, 0, 0, 0x18], 'ftypXXXX', [0, 0, 0, 0]))).toBeNull();
  });

  it('reads SVG only when asked (it can carry scripts), and never a name or a claim', () => {
    const svg = bytes(
      '<?xml version="1.0"?>\n<!-- a -->\n<svg xmlns="http://www.w3.org/2000/svg">',
    );
    expect(sniffContentType(svg)).toBeNull();
    expect(sniffContentType(svg, { svg: true })).toBe('image/svg+xml');
    expect(sniffContentType(bytes('<html><script>'), { svg: true })).toBeNull();
    expect(sniffContentType(bytes('hello.png'))).toBeNull();
  });

  it('names the extension of a type, bin for anything else', () => {
    expect(extensionFor('image/jpeg')).toBe('jpg');
    expect(extensionFor('video/mp4; codecs=avc1')).toBe('mp4');
    expect(extensionFor('application/x-anything')).toBe('bin');
  });
});
