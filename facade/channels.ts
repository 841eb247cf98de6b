// Which organizations may use which channel (Substra's ORCHESTRATOR_CHANNEL_CONFIG, substra-behaviour §2.17).
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';

/** channel name → MSP ids allowed on it. */
export type ChannelConfig = ReadonlyMap<string, ReadonlySet<string>>;

/** What `npm start` serves without a channel file: the two channels of Substra's dev setup, open to both orgs. */
export const DEFAULT_CHANNELS: Readonly<Record<string, readonly string[]>> = {
  mychannel: ['MyOrg1MSP', 'MyOrg2MSP'],
  yourchannel: ['MyOrg1MSP', 'MyOrg2MSP'],
};

const fileSchema = z.object({
  channels: z.record(z.string().min(1), z.array(z.string().min(1)).nullable()),
});

export function channelConfig(channels: Readonly<Record<string, readonly string[] | null>>): ChannelConfig {
  return new Map(Object.entries(channels).map(([name, msps]) => [name, new Set(msps ?? [])]));
}

/** Parses Substra's YAML (`channels: {name: [mspid, ...]}`); the error says what is wrong where. */
export function parseChannelConfig(yamlText: string): ChannelConfig {
  const parsed = fileSchema.safeParse(parse(yamlText));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
    throw new Error(`expected "channels: {<channel>: [<mspid>, ...]}"${where}: ${issue?.message ?? 'invalid'}`);
  }
  return channelConfig(parsed.data.channels);
}

export function loadChannelConfig(path: string): ChannelConfig {
  return parseChannelConfig(readFileSync(path, 'utf8'));
}

/**
 * The first access `config` grants that `allowed` does not, in words ("channel "x" is absent", ""Org" is not a member
 * of channel "x""); undefined when `config` grants nothing more than `allowed`.
 */
export function firstExcess(config: ChannelConfig, allowed: ChannelConfig): string | undefined {
  for (const [channel, mspIds] of config) {
    const members = allowed.get(channel);
    if (!members) return `channel "${channel}" is absent`;
    const outsider = [...mspIds].find((mspId) => !members.has(mspId));
    if (outsider) return `"${outsider}" is not a member of channel "${channel}" (${[...members].join(', ')} are)`;
  }
  return undefined;
}

export function isAllowed(config: ChannelConfig, channel: string, mspid: string): boolean {
  return config.get(channel)?.has(mspid) ?? false;
}
