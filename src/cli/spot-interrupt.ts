import { parseArgs } from 'node:util';
import { signedAdminHeaders } from './admin-request.js';

export const SPOT_INTERRUPT_USAGE = `Usage: wharf spot-interrupt [--endpoint URL] [--region R] [--account A] [--cluster C] (--task T | --service S [--percent P])

Interrupts Fargate Spot tasks as ECS does: SIGTERM and desiredStatus STOPPED at once, the
containers killed after the two-minute warning (divided by Wharf's --time-scale), stopCode
SpotInterruption; a service starts replacements. --task takes a task id or ARN; --service
interrupts --percent (1-100, default 100) of the service's running Spot tasks, oldest first.
--endpoint defaults to AWS_ENDPOINT_URL, else http://127.0.0.1:4566; --region to AWS_REGION or
AWS_DEFAULT_REGION, else us-east-1; --cluster to default. Allowed from the Wharf host (loopback),
or from elsewhere signed with an admin key pair (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY).`;

/** `wharf spot-interrupt ...`: POSTs to the admin endpoint and says what happened; the exit code. */
export async function spotInterrupt(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        endpoint: { type: 'string' },
        region: { type: 'string' },
        account: { type: 'string' },
        cluster: { type: 'string' },
        task: { type: 'string' },
        service: { type: 'string' },
        percent: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    console.error(`wharf spot-interrupt: ${(error as Error).message}\n\n${SPOT_INTERRUPT_USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(SPOT_INTERRUPT_USAGE);
    return 0;
  }
  const usageError = (message: string) => {
    console.error(`wharf spot-interrupt: ${message}\n\n${SPOT_INTERRUPT_USAGE}`);
    return 2;
  };
  if ((values.task === undefined) === (values.service === undefined)) return usageError('name the tasks to interrupt: --task <id or ARN>, or --service <name> [--percent P].');
  if (values.task !== undefined && values.percent !== undefined) return usageError('--percent goes with --service, not --task.');
  const percent = values.percent === undefined ? undefined : Number(values.percent);
  if (percent !== undefined && (!Number.isInteger(percent) || percent < 1 || percent > 100)) return usageError(`--percent must be a whole number from 1 to 100, got '${values.percent}'.`);

  const endpoint = (values.endpoint ?? env.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:4566').replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(`${endpoint}/_wharf/spot-interruption`);
  } catch {
    return usageError(`--endpoint must be Wharf's URL, such as http://127.0.0.1:4566, got '${endpoint}'.`);
  }
  const region = values.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const body = JSON.stringify({
    ...(values.cluster !== undefined ? { cluster: values.cluster } : {}),
    ...(values.task !== undefined ? { task: values.task } : { service: values.service, ...(percent !== undefined ? { percent } : {}) }),
    ...(region ? { region } : {}),
    ...(values.account !== undefined ? { account: values.account } : {}),
  });

  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers: await signedAdminHeaders('POST', url, body, region ?? 'us-east-1', env), body });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    console.error(`wharf spot-interrupt: cannot reach Wharf at ${endpoint} (${cause?.code ?? cause?.message ?? (error as Error).message}). Start it with \`wharf up\` (or \`npm start\`), or pass --endpoint with the URL its banner prints.`);
    return 1;
  }
  const text = await response.text();
  let answer: { interrupted?: string[]; warningSeconds?: number; __type?: string; message?: string } = {};
  try {
    answer = JSON.parse(text);
  } catch {
    // Not Wharf answering, probably: reported below with the status.
  }
  if (response.status === 200 && Array.isArray(answer.interrupted)) {
    for (const arn of answer.interrupted) console.log(arn);
    const count = answer.interrupted.length;
    console.log(
      `Interrupted ${count} Fargate Spot task${count === 1 ? '' : 's'}: SIGTERM now, SIGKILL after the ${answer.warningSeconds} s warning; ` +
        `${count === 1 ? 'it ends' : 'they end'} STOPPED with stopCode SpotInterruption (aws ecs describe-tasks shows it).`,
    );
    return 0;
  }
  if (response.status === 403) {
    console.error(`wharf spot-interrupt: ${answer.message ?? 'not allowed'} Run it on the Wharf host, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY of an admin key pair.`);
  } else if (response.status === 404) {
    console.error(`wharf spot-interrupt: ${endpoint} has no /_wharf/spot-interruption endpoint. Is --endpoint a Wharf of this version?`);
  } else if (answer.__type) {
    console.error(`wharf spot-interrupt: ${answer.__type}: ${answer.message ?? ''}`);
  } else {
    console.error(`wharf spot-interrupt: ${endpoint} answered HTTP ${response.status}: ${text.slice(0, 500)}`);
  }
  return 1;
}
