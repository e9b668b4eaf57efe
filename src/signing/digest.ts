/** SHA-256 digests in lowercase hex, of bytes in memory and of a file (streamed, never read whole). */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}
