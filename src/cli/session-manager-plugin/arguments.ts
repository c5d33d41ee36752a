/**
 * The arguments the aws CLI passes the session-manager-plugin (v2 and v1
 * alike): none (the CLI checks the plugin is installed), `--version`, or
 * `<session response json | env var name> <region> StartSession [<profile>
 * <StartSession parameters json> <endpoint url>]` (the 4-argument form is
 * older CLIs'). The texts are AWS's plugin's.
 */

export const PLUGIN_VERSION = '1.2.707.0';

export interface StartSessionResponse {
  readonly SessionId: string;
  readonly StreamUrl: string;
  readonly TokenValue: string;
}

export type PluginInvocation =
  | { readonly kind: 'print'; readonly text: string; readonly exitCode: number }
  | { readonly kind: 'start'; readonly session: StartSessionResponse; readonly region: string; readonly profile: string; readonly target?: string; readonly endpoint?: string };

export function parsePluginArguments(args: readonly string[], env: Readonly<Record<string, string | undefined>>): PluginInvocation {
  if (args.length === 0) return { kind: 'print', text: '\nThe Session Manager plugin was installed successfully. Use the AWS CLI to start a session.\n\n', exitCode: 0 };
  if (args.length === 1 && args[0] === '--version') return { kind: 'print', text: `${PLUGIN_VERSION}\n`, exitCode: 0 };
  if (args.length < 3) return { kind: 'print', text: `\nUnknown operation ${args[0] ?? ''}. \nUse session-manager-plugin --version to check the version.\n\n`, exitCode: 0 };
  const [first, region = '', operation, profile = '', parameters, endpoint] = args as [string, string?, string?, string?, string?, string?];
  if (operation !== 'StartSession') return { kind: 'print', text: 'Invalid Operation', exitCode: 0 };
  // Newer CLIs pass the response in an environment variable named by the argument.
  const text = first.startsWith('AWS_SSM_START_SESSION_RESPONSE') ? (env[first] ?? '') : first;
  let response: Partial<StartSessionResponse> & { sessionId?: string; streamUrl?: string; tokenValue?: string };
  try {
    response = JSON.parse(text) as typeof response;
  } catch (err) {
    return { kind: 'print', text: `Cannot perform start session: ${(err as Error).message}\n`, exitCode: 0 };
  }
  // ECS's ExecuteCommand response carries the session in camelCase; SSM's StartSession in PascalCase.
  const session = {
    SessionId: response.SessionId ?? response.sessionId ?? '',
    StreamUrl: response.StreamUrl ?? response.streamUrl ?? '',
    TokenValue: response.TokenValue ?? response.tokenValue ?? '',
  };
  if (!session.SessionId || !session.StreamUrl || !session.TokenValue) return { kind: 'print', text: 'Cannot perform start session: the session response lacks SessionId, StreamUrl or TokenValue\n', exitCode: 0 };
  let target: string | undefined;
  try {
    target = parameters ? ((JSON.parse(parameters) as { Target?: string }).Target ?? undefined) : undefined;
  } catch {
    target = undefined;
  }
  return { kind: 'start', session, region, profile, ...(target ? { target } : {}), ...(endpoint ? { endpoint } : {}) };
}
