// Debian's Chromium for the browser tests: where it is, and one launcher with the flags of /work/shared/WEBGPU.md.
import { chromium, type BrowserContext } from 'playwright-core';

/** Debian's chromium package; the browser tests skip, saying so, when it is missing. */
export const CHROMIUM = '/usr/bin/chromium';
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
/** Quiet, no first-run work, WebGPU on (SwiftShader without a GPU). */
const FLAGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-dev-shm-usage',
  '--enable-unsafe-webgpu',
];

/**
 * Headless Chromium on a fresh profile folder, WebGPU on SwiftShader unless VK_ICD_FILENAMES says otherwise.
 * @example const context = await launchChromium(mkdtempSync(join(tmpdir(), 'neurite-chromium-')));
 */
export function launchChromium(
  profile: string,
  options: { acceptDownloads?: boolean; viewport?: { width: number; height: number } } = {},
): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    env: { ...process.env, VK_ICD_FILENAMES: process.env.VK_ICD_FILENAMES ?? SWIFTSHADER_ICD },
    ...options,
  });
}
