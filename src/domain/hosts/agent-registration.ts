/**
 * RegisterContainerInstance, as Wharf serves it. ECS's agent calls it from
 * the instance it runs on; Wharf has no agent on its hosts (it drives each
 * host's Docker engine itself), so the call must say where that engine is:
 * the attribute `wharf.docker-url` (`tcp://ADDR:PORT`). Then it registers
 * the host exactly as `wharf hosts add` does; the other `wharf.` attributes
 * carry what `wharf hosts add` takes as flags. Without the engine's address
 * the call is refused with what to do instead.
 */
import { clusterNameOf } from '../ecs/cluster.js';
import { invalidParameter } from '../errors.js';
import { parseHostRegistration, type HostRegistration } from './host-registration.js';

export const AGENT_ATTRIBUTE = {
  dockerUrl: 'wharf.docker-url',
  hostName: 'wharf.host-name',
  taskSubnet: 'wharf.task-subnet',
  registryAddress: 'wharf.registry-address',
} as const;

export interface AgentRegistrationInput {
  readonly cluster?: string;
  readonly attributes?: readonly { readonly name: string; readonly value?: string }[];
  /** The EC2 instance identity document (JSON): its `instanceId` names the host when `wharf.host-name` does not. */
  readonly instanceIdentityDocument?: string;
}

const NO_ENGINE =
  'Wharf drives each host\'s Docker engine itself and runs no ECS agent: give the engine\'s address as the attribute wharf.docker-url (tcp://ADDR:PORT), or register the host with wharf hosts add NAME tcp://ADDR:PORT.';

/** The host registration the call asks for; InvalidParameterException when it cannot be one. */
export function agentRegistration(input: AgentRegistrationInput, where: { readonly account: string; readonly region: string }): HostRegistration {
  const attributes = input.attributes ?? [];
  const value = (name: string) => attributes.find((attribute) => attribute.name === name)?.value;
  const url = value(AGENT_ATTRIBUTE.dockerUrl);
  if (url === undefined) throw invalidParameter(NO_ENGINE);
  const name = value(AGENT_ATTRIBUTE.hostName) ?? identityInstanceId(input.instanceIdentityDocument) ?? hostNameOf(url);
  const taskSubnet = value(AGENT_ATTRIBUTE.taskSubnet);
  const registryAddress = value(AGENT_ATTRIBUTE.registryAddress);
  return parseHostRegistration(
    {
      name,
      url,
      ...(input.cluster !== undefined ? { cluster: clusterNameOf(input.cluster) } : {}),
      region: where.region,
      account: where.account,
      attributes: attributes.filter((attribute) => !attribute.name.startsWith('wharf.')).map((attribute) => ({ name: attribute.name, ...(attribute.value !== undefined ? { value: attribute.value } : {}) })),
      ...(taskSubnet !== undefined ? { taskSubnet } : {}),
      ...(registryAddress !== undefined ? { registryAddress } : {}),
    },
    { account: where.account, region: where.region },
  );
}

function identityInstanceId(document: string | undefined): string | undefined {
  if (document === undefined) return undefined;
  try {
    const parsed = JSON.parse(document) as { instanceId?: unknown };
    return typeof parsed.instanceId === 'string' && parsed.instanceId !== '' ? parsed.instanceId : undefined;
  } catch {
    throw invalidParameter('instanceIdentityDocument must be the JSON of an instance identity document.');
  }
}

/** A name from the engine's address: `tcp://10.0.1.10:2375` -> `10.0.1.10-2375` (a valid host name). */
function hostNameOf(url: string): string {
  return url.replace(/^tcp:\/\//, '').replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[^A-Za-z0-9]+|-+$/g, '').slice(0, 64) || 'host';
}
