/**
 * Writes the demo's app icons (demo/icons/*.png): a speech bubble on the theme colour. The maskable
 * one keeps the bubble inside the middle 80% (the safe zone), as launchers crop the rest.
 * Run: node --import tsx scripts/icons.ts
 */
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const THEME = [0x25, 0x63, 0xeb];
const WHITE = [0xff, 0xff, 0xff];

function crc32(buf: Buffer): number {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** `inset`: the bubble's margin as a share of the size. */
function icon(size: number, inset: number, round: boolean): Buffer {
  const rows: Buffer[] = [];
  const r = size / 2;
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 4);
    for (let x = 0; x < size; x++) {
      const dx = x - r + 0.5;
      const dy = y - r + 0.5;
      const outside = round && dx * dx + dy * dy > r * r;
      const bubble = Math.abs(dx) < r * (1 - 2 * inset) && dy > -r * (1 - 2 * inset) * 0.7 && dy < r * (1 - 2 * inset) * 0.45;
      const tail = dy >= r * (1 - 2 * inset) * 0.45 && dy < r * (1 - 2 * inset) * 0.75 && dx > -r * 0.3 && dx < -r * 0.3 + (r * (1 - 2 * inset) * 0.75 - dy);
      const rgb = bubble || tail ? WHITE : THEME;
      row.set([...rgb, outside ? 0 : 255], 1 + x * 4);
    }
    rows.push(row);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.concat(rows), { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

writeFileSync('demo/icons/icon-192.png', icon(192, 0.2, true));
writeFileSync('demo/icons/icon-512.png', icon(512, 0.2, true));
writeFileSync('demo/icons/maskable-512.png', icon(512, 0.25, false));
