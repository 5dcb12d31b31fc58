// What a model file is, read from its bytes: format, Keras version, backend (for `neurite summary`).
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { IOError } from '../core/errors.js';
import { MAX_MODEL_JSON_BYTES } from '../io/artifacts.js';
import { H5Reader } from '../io/keras/hdf5.js';
import { MAX_MODEL_FILE_BYTES, sniffFormat } from '../io/keras/index.js';
import { readZip } from '../io/keras/zip.js';

/** A model file's format and the versions it records. */
export interface ModelFileInfo {
  format: string;
  kerasVersion: string | null;
  savedBy: string | null;
  bytes: number;
}

/**
 * Describes a model file or folder without building the model.
 * @example const info = await modelFileInfo('model.keras'); // { format: '.keras (zip)', kerasVersion: '3.10.0', ... }
 */
export async function modelFileInfo(path: string): Promise<ModelFileInfo> {
  const clean = path.replace(/^file:\/\//, '');
  const s = await stat(clean).catch(() => {
    throw new IOError(`${clean}: not found`);
  });
  if (s.isDirectory() || clean.endsWith('.json')) {
    const json = clean.endsWith('.json') ? clean : join(clean, 'model.json');
    if ((await stat(json)).size > MAX_MODEL_JSON_BYTES)
      throw new IOError(`${json}: larger than ${MAX_MODEL_JSON_BYTES} bytes`);
    const text = await readFile(json, 'utf8');
    const parsed: unknown = JSON.parse(text);
    const topo =
      parsed !== null && typeof parsed === 'object' && 'modelTopology' in parsed
        ? parsed.modelTopology
        : null;
    const kv =
      topo !== null && typeof topo === 'object' && 'keras_version' in topo
        ? String(topo.keras_version)
        : null;
    const by =
      typeof parsed === 'object' && parsed !== null && 'generatedBy' in parsed
        ? String(parsed.generatedBy)
        : null;
    return {
      format: 'TensorFlow.js layers (model.json)',
      kerasVersion: kv,
      savedBy: by,
      bytes: Buffer.byteLength(text),
    };
  }
  if (s.size > MAX_MODEL_FILE_BYTES)
    throw new IOError(`${clean}: ${s.size} bytes, more than ${MAX_MODEL_FILE_BYTES}`);
  const bytes = new Uint8Array(await readFile(clean));
  const format = sniffFormat(bytes);
  if (format === 'keras-zip') {
    const members = readZip(bytes, clean);
    const meta = members.get('metadata.json');
    let kerasVersion: string | null = null;
    let savedBy: string | null = null;
    if (meta) {
      const m: unknown = JSON.parse(new TextDecoder().decode(meta));
      if (m !== null && typeof m === 'object') {
        if ('keras_version' in m) kerasVersion = String(m.keras_version);
        if ('generated_by' in m) savedBy = String(m.generated_by);
      }
    }
    return {
      format: '.keras (zip: config.json, model.weights.h5)',
      kerasVersion,
      savedBy,
      bytes: bytes.byteLength,
    };
  }
  if (format === 'hdf5') {
    const h5 = await H5Reader.open(bytes, clean);
    try {
      return {
        format: 'legacy HDF5 (.h5)',
        kerasVersion: h5.attr('', 'keras_version'),
        savedBy: h5.attr('', 'backend'),
        bytes: bytes.byteLength,
      };
    } finally {
      h5.close();
    }
  }
  throw new IOError(
    `${clean}: not a model file neurite reads (.keras zip, HDF5 .h5, or a model.json folder)`,
  );
}
