import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServiceModel } from './shapes.js';

/** models/ sits at the package root, beside src/ and dist/. */
const MODELS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'models');

const cache = new Map<string, ServiceModel>();

export function loadModel(name: string): ServiceModel {
  let model = cache.get(name);
  if (!model) {
    model = JSON.parse(readFileSync(join(MODELS_DIR, `${name}.json`), 'utf8')) as ServiceModel;
    cache.set(name, model);
  }
  return model;
}
