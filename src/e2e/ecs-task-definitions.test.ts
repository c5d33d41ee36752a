import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DeleteTaskDefinitionsCommand, ListTaskDefinitionsCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { SEED_TASK_DEFINITION, startTestWharf, type TestWharf } from './harness.js';

const busybox = (overrides: Record<string, unknown> = {}) => ({
  family: 'small',
  networkMode: 'awsvpc',
  requiresCompatibilities: ['FARGATE'],
  cpu: '256',
  memory: '512',
  containerDefinitions: [{ name: 'app', image: 'busybox:latest', essential: true }],
  ...overrides,
});

describe('ECS task definitions through the aws CLI and the SDK', () => {
  let wharf: TestWharf;
  let file: string;
  before(async () => {
    wharf = await startTestWharf();
    file = join(wharf.dataDir, 'task-definition.json');
    writeFileSync(file, JSON.stringify(SEED_TASK_DEFINITION, null, 2));
  });
  after(() => wharf.stop());

  test("the seed's register-task-definition and describe-task-definition, verbatim", async () => {
    const registered = await wharf.aws(['ecs', 'register-task-definition', '--cli-input-json', `file://${file}`]);
    const td = registered.taskDefinition;
    assert.equal(td.taskDefinitionArn, 'arn:aws:ecs:us-east-1:123456789012:task-definition/my-app:1');
    assert.equal(td.revision, 1);
    assert.equal(td.status, 'ACTIVE');
    assert.equal(td.cpu, '512');
    assert.equal(td.memory, '1024');
    assert.deepEqual(td.compatibilities, ['EC2', 'FARGATE']);
    assert.deepEqual(td.requiresCompatibilities, ['FARGATE']);
    assert.equal(td.containerDefinitions[0].essential, true);
    assert.deepEqual(td.containerDefinitions[0].portMappings, [{ containerPort: 8080, hostPort: 8080, protocol: 'tcp' }]);
    const attributes = td.requiresAttributes.map((attribute: { name: string }) => attribute.name);
    for (const expected of ['com.amazonaws.ecs.capability.logging-driver.awslogs', 'ecs.capability.execution-role-awslogs', 'ecs.capability.secrets.asm.environment-variables', 'ecs.capability.task-eni']) {
      assert.ok(attributes.includes(expected), `requiresAttributes lacks ${expected}`);
    }
    assert.equal(typeof td.registeredAt, 'string'); // the CLI prints the timestamp it parsed

    const described = await wharf.aws(['ecs', 'describe-task-definition', '--task-definition', 'my-app:1']);
    assert.deepEqual(described.taskDefinition, td);

    const second = await wharf.aws(['ecs', 'register-task-definition', '--cli-input-json', `file://${file}`]);
    assert.equal(second.taskDefinition.revision, 2);
    const latest = await wharf.aws(['ecs', 'describe-task-definition', '--task-definition', 'my-app']);
    assert.equal(latest.taskDefinition.revision, 2);
    const byArn = await wharf.aws(['ecs', 'describe-task-definition', '--task-definition', td.taskDefinitionArn]);
    assert.equal(byArn.taskDefinition.revision, 1);
  });

  test('"1 vCPU" and "2 GB" are normalised on registration', async () => {
    const { taskDefinition } = await wharf.ecs().send(new RegisterTaskDefinitionCommand(busybox({ family: 'sized', cpu: '1 vCPU', memory: '2 GB' }) as never));
    assert.equal(taskDefinition?.cpu, '1024');
    assert.equal(taskDefinition?.memory, '2048');
  });

  test('Fargate rejections carry ECS exception types and messages', async () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [busybox({ cpu: '256', memory: '4096' }), 'ClientException', 'No Fargate configuration exists for given values.'],
      [busybox({ cpu: undefined }), 'ClientException', "Fargate requires that 'cpu' be defined at the task level."],
      [busybox({ networkMode: 'bridge' }), 'ClientException', "Fargate only supports network mode 'awsvpc'."],
      [busybox({ containerDefinitions: [{ name: 'app', image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/x:1' }] }), 'ClientException', 'Fargate requires task definition to have execution role ARN to support ECR images.'],
      [
        busybox({ containerDefinitions: [{ name: 'app', image: 'busybox', logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': 'g' } } }] }),
        'ClientException',
        'Fargate requires task definition to have execution role ARN to support log driver awslogs.',
      ],
      [busybox({ containerDefinitions: [{ name: 'app', image: 'busybox', memory: 1024 }] }), 'ClientException', "The 'memory' setting for container is greater than for the task."],
    ];
    for (const [definition, code, message] of cases) {
      await assert.rejects(wharf.ecs().send(new RegisterTaskDefinitionCommand(definition as never)), (error: Error & { name: string }) => {
        assert.equal(error.name, code, `for ${JSON.stringify(definition)}`);
        assert.equal(error.message, message);
        return true;
      });
    }
    const cli = await wharf.awsFails(['ecs', 'register-task-definition', '--family', 'x', '--requires-compatibilities', 'FARGATE', '--network-mode', 'awsvpc', '--cpu', '256', '--memory', '4096', '--container-definitions', '[{"name":"app","image":"busybox"}]']);
    assert.equal(cli.code, 254);
    assert.match(cli.stderr, /An error occurred \(ClientException\) when calling the RegisterTaskDefinition operation: No Fargate configuration exists for given values\./);
    const { taskDefinitionArns } = await wharf.aws(['ecs', 'list-task-definitions', '--family-prefix', 'x']);
    assert.deepEqual(taskDefinitionArns, [], 'a refused registration writes nothing');
  });

  test('list-task-definitions and list-task-definition-families filter, sort and page', async () => {
    const ecs = wharf.ecs('ap-south-1');
    for (let i = 0; i < 3; i++) await ecs.send(new RegisterTaskDefinitionCommand(busybox({ family: 'web' }) as never));
    await ecs.send(new RegisterTaskDefinitionCommand(busybox({ family: 'worker' }) as never));
    const asc = await ecs.send(new ListTaskDefinitionsCommand({}));
    assert.deepEqual(asc.taskDefinitionArns?.map((arn) => arn.split('/')[1]), ['web:1', 'web:2', 'web:3', 'worker:1']);
    const desc = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'web', sort: 'DESC' }));
    assert.deepEqual(desc.taskDefinitionArns?.map((arn) => arn.split('/')[1]), ['web:3', 'web:2', 'web:1']);
    const first = await ecs.send(new ListTaskDefinitionsCommand({ sort: 'DESC', maxResults: 2 }));
    assert.deepEqual(first.taskDefinitionArns?.map((arn) => arn.split('/')[1]), ['worker:1', 'web:3']);
    const second = await ecs.send(new ListTaskDefinitionsCommand({ sort: 'DESC', maxResults: 2, nextToken: first.nextToken }));
    assert.deepEqual(second.taskDefinitionArns?.map((arn) => arn.split('/')[1]), ['web:2', 'web:1']);
    assert.equal(second.nextToken, undefined);

    // The CLI paginates on its own through every page.
    const families = await wharf.aws(['ecs', 'list-task-definition-families', '--page-size', '1'], { region: 'ap-south-1' });
    assert.deepEqual(families.families, ['web', 'worker']);
    const prefixed = await wharf.aws(['ecs', 'list-task-definition-families', '--family-prefix', 'wo'], { region: 'ap-south-1' });
    assert.deepEqual(prefixed.families, ['worker']);
  });

  test('deregister then delete, and tags with include TAGS', async () => {
    const region = 'eu-west-1';
    const registered = await wharf.aws(['ecs', 'register-task-definition', '--cli-input-json', `file://${file}`, '--tags', 'key=env,value=prod'], { region });
    const arn = registered.taskDefinition.taskDefinitionArn;
    const tagged = await wharf.aws(['ecs', 'describe-task-definition', '--task-definition', arn, '--include', 'TAGS'], { region });
    assert.deepEqual(tagged.tags, [{ key: 'env', value: 'prod' }]);

    // Debian's CLI 2.9 predates DeleteTaskDefinitions: the SDK drives it.
    const ecs = wharf.ecs(region);
    const refused = await ecs.send(new DeleteTaskDefinitionsCommand({ taskDefinitions: [arn] }));
    assert.deepEqual(refused.taskDefinitions, []);
    assert.equal(refused.failures?.[0]?.reason, 'The specified task definition is still in ACTIVE status. Please deregister the target and try again.');

    const deregistered = await wharf.aws(['ecs', 'deregister-task-definition', '--task-definition', arn], { region });
    assert.equal(deregistered.taskDefinition.status, 'INACTIVE');
    assert.ok(deregistered.taskDefinition.deregisteredAt);
    const inactive = await wharf.aws(['ecs', 'list-task-definitions', '--status', 'INACTIVE'], { region });
    assert.deepEqual(inactive.taskDefinitionArns, [arn]);
    const families = await wharf.aws(['ecs', 'list-task-definition-families', '--status', 'INACTIVE'], { region });
    assert.deepEqual(families.families, ['my-app']);
    // A bare family names the latest ACTIVE revision, and there is none now.
    const latest = await wharf.awsFails(['ecs', 'describe-task-definition', '--task-definition', 'my-app'], { region });
    assert.match(latest.stderr, /\(ClientException\).*Unable to describe task definition\./);

    const deleted = await ecs.send(new DeleteTaskDefinitionsCommand({ taskDefinitions: [arn] }));
    assert.equal(deleted.taskDefinitions?.[0]?.status, 'DELETE_IN_PROGRESS');
    assert.deepEqual(deleted.failures, []);
    const gone = await wharf.awsFails(['ecs', 'describe-task-definition', '--task-definition', arn], { region });
    assert.match(gone.stderr, /ClientException/);
    // Revisions are never reused.
    const next = await wharf.aws(['ecs', 'register-task-definition', '--cli-input-json', `file://${file}`], { region });
    assert.equal(next.taskDefinition.revision, 2);
  });
});
