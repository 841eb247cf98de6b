import { ComputeTaskOutputAssetSchema, type ComputeTaskOutputAsset } from '../asset/index.js';
import type { OutputAssetStore } from '../persistence/index.js';
import { decodeDoc } from './codec.js';
import { putDoc, usable } from './docs.js';
import { splitCompositeKey } from './kv.js';
import { Doc, docKey } from './keys.js';
import { positionAttr } from './sortkey.js';
import type { TxStore } from './store.js';

export function outputAssetStore(store: TxStore): OutputAssetStore {
  return {
    /**
     * Output assets are documents keyed [task, identifier, position]; the position is the number already registered
     * on that output, found by scanning it (few entries). On Fabric that scan is re-validated at commit, so two
     * transactions registering on the same output conflict instead of both taking the same position.
     */
    async addComputeTaskOutputAsset(asset) {
      const attrs = [asset.computeTaskKey, asset.computeTaskOutputIdentifier];
      let position = 0;
      for await (const _ of store.scan(Doc.outputAsset, attrs)) position++;
      const key = docKey(Doc.outputAsset, ...attrs, positionAttr(position));
      await putDoc(store, ComputeTaskOutputAssetSchema, key, asset);
    },

    async getComputeTaskOutputAssets(taskKey, identifier) {
      if (!usable(taskKey) || !usable(identifier)) return [];
      const out: ComputeTaskOutputAsset[] = [];
      for await (const { value } of store.scan(Doc.outputAsset, [taskKey, identifier])) {
        out.push(decodeDoc(ComputeTaskOutputAssetSchema, value));
      }
      return out;
    },

    /** Counts from the keys alone ([task, identifier, position]); identifiers come out in key order. */
    async countComputeTaskOutputAssets(taskKey) {
      const counts = new Map<string, number>();
      if (!usable(taskKey)) return counts;
      for await (const { key } of store.scan(Doc.outputAsset, [taskKey])) {
        const identifier = splitCompositeKey(key)?.attributes[1] ?? '';
        counts.set(identifier, (counts.get(identifier) ?? 0) + 1);
      }
      return counts;
    },
  };
}
