/**
 * Writes <cdk.out>/cdk-nag-report.csv: every cdk-nag acknowledgement in the synthesized templates
 * (stack, resource, rule, reason; cdk-nag writes an acknowledgement onto each resource in its
 * scope) and every violation of CDK's validation report, so CI keeps the audit trail as an
 * artifact. Synth already fails on a violation; this records what was accepted and why.
 *
 *   npx tsx bin/nag-report.ts [cdk.out]
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

interface Template {
  readonly Resources?: Record<string, { Type: string; Metadata?: { cdk_nag?: { rules_to_suppress?: { id: string; reason: string }[] } } }>;
}

function templates(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return name.startsWith('assembly-') ? templates(file) : [];
    return name.endsWith('.template.json') ? [file] : [];
  });
}

interface ViolatingResource {
  readonly resourceLogicalId: string;
  readonly templatePath: string;
}
interface Violation {
  readonly ruleName: string;
  readonly description: string;
  readonly violatingConstructs?: ViolatingResource[];
  readonly violatingResources?: ViolatingResource[];
}

const csv = (fields: string[]) => fields.map((f) => `"${f.replaceAll('"', '""')}"`).join(',');

function main(): void {
  const outdir = process.argv[2] ?? 'cdk.out';
  if (!existsSync(outdir)) throw new Error(`${outdir} does not exist: run \`npm run synth\` first`);
  const rows = [csv(['status', 'stack', 'resource', 'type', 'rule', 'reason'])];
  let acknowledged = 0;
  for (const file of templates(outdir)) {
    const stack = path.relative(outdir, file).replace(/\.template\.json$/, '');
    const template = JSON.parse(readFileSync(file, 'utf8')) as Template;
    for (const [id, resource] of Object.entries(template.Resources ?? {})) {
      for (const rule of resource.Metadata?.cdk_nag?.rules_to_suppress ?? []) {
        rows.push(csv(['acknowledged', stack, id, resource.Type, rule.id, rule.reason]));
        acknowledged++;
      }
    }
  }
  const report = path.join(outdir, 'validation-report.json');
  const violations = existsSync(report)
    ? ((JSON.parse(readFileSync(report, 'utf8')) as { pluginReports?: { violations?: Violation[] }[] }).pluginReports ?? [])
    : [];
  let violated = 0;
  for (const plugin of violations) {
    for (const v of plugin.violations ?? []) {
      // CDK writes violatingConstructs (older reports: violatingResources).
      for (const r of v.violatingConstructs ?? v.violatingResources ?? []) {
        rows.push(csv(['violation', r.templatePath, r.resourceLogicalId, '', v.ruleName, v.description]));
        violated++;
      }
    }
  }
  const out = path.join(outdir, 'cdk-nag-report.csv');
  writeFileSync(out, `${rows.join('\n')}\n`);
  console.log(`${out}: ${acknowledged} acknowledgements (rule and reason per resource in scope), ${violated} violations`);
}

main();
