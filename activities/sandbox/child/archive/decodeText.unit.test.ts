import { decodeText } from './decodeText';

function utf16be(text: string): Buffer {
  return Buffer.from(text, 'utf16le').swap16();
}

describe('decodeText: encodings', () => {
  it('decodes UTF-8 without a BOM', () => {
    expect(decodeText(Buffer.from('## 1.0.0 — Änderungen 🎉\n'))).toEqual({
      text: '## 1.0.0 — Änderungen 🎉\n',
      encoding: 'utf-8',
    });
  });

  it('strips a UTF-8 BOM', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('# Café')]);
    expect(decodeText(bytes)).toEqual({ text: '# Café', encoding: 'utf-8' });
  });

  it('decodes UTF-16LE announced by its BOM', () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('# Ünïcode 🎉\r\n', 'utf16le')]);
    expect(decodeText(bytes)).toEqual({ text: '# Ünïcode 🎉\r\n', encoding: 'utf-16le' });
  });

  it('decodes UTF-16BE announced by its BOM', () => {
    const bytes = Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be('# Ünïcode 🎉\n')]);
    expect(decodeText(bytes)).toEqual({ text: '# Ünïcode 🎉\n', encoding: 'utf-16be' });
  });

  it('falls back to Latin-1 (windows-1252) when the bytes are not UTF-8', () => {
    // "Café – 5€" as windows-1252: é = E9, en dash = 96, € = 80.
    const bytes = Buffer.from([0x43, 0x61, 0x66, 0xe9, 0x20, 0x96, 0x20, 0x35, 0x80]);
    expect(decodeText(bytes)).toEqual({ text: 'Café – 5€', encoding: 'latin1' });
  });

  it('decodes an empty file as empty UTF-8 text', () => {
    expect(decodeText(Buffer.alloc(0))).toEqual({ text: '', encoding: 'utf-8' });
  });
});

describe('decodeText: binary is refused', () => {
  it('refuses NUL bytes in a file without a UTF-16 BOM, naming the offset', () => {
    const result = decodeText(Buffer.from('PK\u0003\u0004\u0000\u0000text'));
    expect(result).toEqual({ error: 'binary', message: expect.stringMatching(/NUL .* offset 4/) });
  });

  it('does not take the zero bytes of UTF-16 text for binary', () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('plain ASCII', 'utf16le')]);
    expect(decodeText(bytes)).toEqual({ text: 'plain ASCII', encoding: 'utf-16le' });
  });

  it('refuses a high share of control characters', () => {
    const bytes = Buffer.from('\u0001\u0002\u0003\u001b[0m some text after escapes'.repeat(3));
    const result = decodeText(bytes);
    expect(result).toEqual({ error: 'binary', message: expect.stringMatching(/% of its characters are control/) });
  });

  it('accepts the occasional control character (an ANSI escape, a form feed)', () => {
    const text = `${'A normal changelog line.\n'.repeat(20)}\u001b[1mbold\u001b[0m\f\n`;
    expect(decodeText(Buffer.from(text))).toEqual({ text, encoding: 'utf-8' });
  });

  it('refuses a UTF-16 BOM followed by invalid UTF-16', () => {
    const result = decodeText(Buffer.from([0xff, 0xfe, 0x41, 0x00, 0x42]));
    expect(result).toEqual({ error: 'binary', message: expect.stringMatching(/UTF-16LE/) });
  });
});

describe('decodeText: maxLineLength', () => {
  it('cuts long lines to the limit, ellipsis included, and keeps short lines and line endings', () => {
    const text = `short\r\n${'a'.repeat(20)}\n${'b'.repeat(10)}\rlast-${'c'.repeat(30)}`;
    const result = decodeText(Buffer.from(text), { maxLineLength: 10 });
    expect(result).toEqual({
      text: `short\r\n${'a'.repeat(9)}…\n${'b'.repeat(10)}\rlast-cccc…`,
      encoding: 'utf-8',
    });
  });

  it('never leaves half of a surrogate pair', () => {
    const result = decodeText(Buffer.from(`abc🎉🎉🎉`), { maxLineLength: 5 });
    expect(result).toEqual({ text: 'abc…', encoding: 'utf-8' });
  });

  it('handles one huge line and many lines in linear time', () => {
    const oneLine = Buffer.from('x'.repeat(20_000_000));
    const manyLines = Buffer.from('y'.repeat(50).concat('\n').repeat(400_000));
    const started = Date.now();
    const long = decodeText(oneLine, { maxLineLength: 100 });
    const many = decodeText(manyLines, { maxLineLength: 10 });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect('text' in long && long.text.length).toBe(100);
    expect('text' in many && many.text.length).toBe(400_000 * 11);
  });

  it('rejects a limit that is not a positive integer', () => {
    expect(() => decodeText(Buffer.from('x'), { maxLineLength: 0 })).toThrow(RangeError);
  });
});
