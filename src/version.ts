// neurite's version, one place: what saved files record in generatedBy and what tf.version_core reports.

/**
 * neurite's version (tfjs programs read it as `tf.version_core`).
 * @example console.log(nr.version_core) // '0.1.0'
 */
export const version_core = '0.1.0';
