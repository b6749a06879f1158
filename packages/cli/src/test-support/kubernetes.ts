import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { Ajv, type ValidateFunction } from 'ajv';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Container } from 'kubernetes-models/v1/Container';
import { Service } from 'kubernetes-models/v1/Service';
import { Volume } from 'kubernetes-models/v1/Volume';
import { parseAllDocuments } from 'yaml';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'deploy', '__fixtures__');
const ajv = new Ajv({ allErrors: true, strict: false });
const kserve = ajv.compile(JSON.parse(readFileSync(join(fixtures, 'kserve.schema.json'), 'utf8')));
const argo = ajv.compile(
  JSON.parse(readFileSync(join(fixtures, 'argo-workflowtemplate.schema.json'), 'utf8')),
);

// biome-ignore lint/suspicious/noExplicitAny: manifests are untyped YAML
type Doc = Record<string, any>;

const MODELS: Record<string, new (data: Doc) => { validate(): void }> = {
  'apps/v1 Deployment': Deployment as never,
  'v1 Service': Service as never,
  'v1 ConfigMap': ConfigMap as never,
  'autoscaling/v2 HorizontalPodAutoscaler': HorizontalPodAutoscaler as never,
  'policy/v1 PodDisruptionBudget': PodDisruptionBudget as never,
  'batch/v1 Job': Job as never,
  'monitoring.coreos.com/v1 ServiceMonitor': ServiceMonitor as never,
};

function validateWithSchema(validate: ValidateFunction, doc: Doc): void {
  const what = `${doc.kind} ${doc.metadata?.name}`;
  if (validate(doc as unknown) !== true) {
    throw new Error(`${what}: ${ajv.errorsText(validate.errors, { separator: '\n' })}`);
  }
}

/** Throws unless `doc` is a valid object of a kind `mlinfra deploy` writes. */
export function validateManifest(doc: Doc): void {
  const key = `${doc.apiVersion} ${doc.kind}`;
  const Model = MODELS[key];
  if (Model !== undefined) {
    new Model(doc).validate();
    return;
  }
  if (doc.apiVersion?.startsWith('serving.kserve.io/')) {
    validateWithSchema(kserve, doc);
    for (const container of doc.spec.containers ?? []) new Container(container).validate();
    for (const volume of doc.spec.volumes ?? []) new Volume(volume).validate();
    return;
  }
  if (key === 'argoproj.io/v1alpha1 WorkflowTemplate') {
    validateWithSchema(argo, doc);
    for (const template of doc.spec.templates) {
      if (template.container !== undefined) new Container(template.container).validate();
    }
    for (const volume of doc.spec.volumes ?? []) new Volume(volume).validate();
    return;
  }
  throw new Error(`No schema for ${key}`);
}

/** Parses multi-document YAML, failing on any YAML error. */
export function parseManifests(text: string): Doc[] {
  return parseAllDocuments(text).map((document) => {
    if (document.errors.length > 0) throw new Error(document.errors.map(String).join('\n'));
    return document.toJS() as Doc;
  });
}

/** Every container of a manifest (pod templates, ServingRuntimes, Argo templates). */
export function containersOf(doc: Doc): Doc[] {
  if (doc.kind === 'Deployment' || doc.kind === 'Job') return doc.spec.template.spec.containers;
  if (doc.kind === 'ServingRuntime') return doc.spec.containers;
  if (doc.kind === 'WorkflowTemplate') {
    return doc.spec.templates.flatMap((template: Doc) =>
      template.container === undefined ? [] : [{ ...template.container, template: template.name }],
    );
  }
  return [];
}
