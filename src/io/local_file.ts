// Node-only bounded reads of local files: opened without blocking, checked to be a regular file of bounded size (fstat), read exactly.
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { IOError, SizeLimitError } from '../core/errors.js';

/**
 * Reads a whole local file of at most `maxBytes`. The file is opened first (non-blocking, so a FIFO
 * cannot stall the open) and then checked with fstat on the open descriptor, so a symlink swapped in
 * between cannot slip past: anything but a regular file (a FIFO, a device like /dev/zero, a folder)
 * is refused, as is a size over the limit. Exactly the stat'ed size is read; a file that shrinks or
 * grows meanwhile is an `IOError`.
 * @example const bytes = await readLocalFile('m/model.json', 64 * 2 ** 20, 'model.json');
 */
export async function readLocalFile(
  path: string,
  maxBytes: number,
  what: string,
): Promise<Uint8Array> {
  // O_NONBLOCK is absent on Windows (no FIFOs to fear there): 0 leaves the flags as they are.
  const flags = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, flags);
  } catch (e) {
    const code = e instanceof Error && 'code' in e ? String(e.code) : '';
    throw new IOError(
      `${path}: ${what} ${code === 'ENOENT' ? 'not found' : `cannot be opened (${e instanceof Error ? e.message : String(e)})`}`,
    );
  }
  try {
    const st = await fh.stat();
    if (!st.isFile())
      throw new IOError(
        `${path}: ${what} is not a regular file (a folder, FIFO, socket or device); refusing to read it`,
      );
    if (st.size > maxBytes)
      throw new SizeLimitError(
        `${path}: ${what} is ${st.size} bytes, more than the limit of ${maxBytes}`,
      );
    const out = new Uint8Array(st.size);
    let offset = 0;
    while (offset < out.length) {
      const { bytesRead } = await fh.read(out, offset, out.length - offset, offset);
      if (bytesRead === 0)
        throw new IOError(
          `${path}: ${what} shrank while being read (${offset} of ${st.size} bytes)`,
        );
      offset += bytesRead;
    }
    // One byte more would mean the file grew: what was read is not the file as it now is.
    const { bytesRead: extra } = await fh.read(new Uint8Array(1), 0, 1, offset);
    if (extra !== 0) throw new IOError(`${path}: ${what} grew while being read`);
    return out;
  } finally {
    await fh.close();
  }
}
