/**
 * Grounds a question on the engine's playbooks: a pasted traceback or error line becomes a
 * diagnosis with recovery commands filled with the app and migration names from the paste, and
 * pasted `showmigrations` / `migrate --plan` output is summarised and, when the channel has a
 * linked repository, compared with the migrations on disk.
 */
import { compareWithGraph, diagnose, parseShowMigrations, renderDiagnosisMarkdown } from '../../engine/index.js';
import type { Confidence, Diagnosis, GraphComparison, GraphReport, NodeId, ShowMigrations } from '../../engine/index.js';
import { isAppError } from '../../errors.js';
import type { Grounder, Grounding, Question } from '../types.js';
import { clip, fence, inlineCode } from './markdown.js';
import { showStatus } from './status.js';

export interface PlaybookGrounderOptions {
  /** The linked repository's migration graph, to compare pasted showmigrations output with. */
  graphFor?(question: Question): Promise<GraphReport | undefined>;
}

/** Logs are read from their end: that is where the error is. */
export const MAX_LOG_CHARS = 200_000;
const MAX_DIAGNOSES_SHOWN = 3;
const MAX_DIAGNOSES_FOR_MODEL = 5;
const MAX_NODES_SHOWN = 8;
const MAX_NODES_FOR_MODEL = 60;
const MAX_PREVENT_SHOWN = 2;

const CONFIDENCE_RANK: Record<Confidence, number> = { high: 0, medium: 1, low: 2 };

const FAILURE_NOTE =
  '_migrate-help could not check the pasted error against its playbooks (an internal error); the answer below does not rest on them._';

interface TextSource {
  label: string;
  text: string;
}

export function createPlaybookGrounder(options: PlaybookGrounderOptions = {}): Grounder {
  return {
    name: 'playbooks',
    async ground(question, context) {
      try {
        const sources = textSources(question);
        const diagnoses = rankDiagnoses(sources.flatMap((source) => diagnose(source.text)));
        const show = firstShowMigrations(sources);
        if (diagnoses.length === 0 && !show) return undefined;

        let comparison: GraphComparison | undefined;
        let graphNote: string | undefined;
        if (show && options.graphFor) {
          await showStatus(context, 'Comparing the pasted output with the linked repository’s migrations…');
          try {
            const graph = await options.graphFor(question);
            if (graph) comparison = compareWithGraph(show, graph);
          } catch (error) {
            graphNote = `I could not read the linked repository’s migrations to compare with the pasted output: ${isAppError(error) ? error.userMessage : 'an unexpected error'}`;
          }
        }
        return groundingFor(diagnoses, show, comparison, graphNote);
      } catch {
        // The pipeline logs grounder failures; a short note keeps the user from expecting a diagnosis that did not run.
        return { deterministicMarkdown: FAILURE_NOTE };
      }
    },
  };
}

/** The question text and shared text files (not Python: code is the engine grounder's). */
function textSources(question: Question): TextSource[] {
  const sources: TextSource[] = [{ label: 'the message', text: question.text }];
  for (const file of question.files ?? []) {
    if (/\.py$/i.test(file.name)) continue;
    sources.push({ label: file.name, text: file.text.length > MAX_LOG_CHARS ? file.text.slice(-MAX_LOG_CHARS) : file.text });
  }
  return sources;
}

/** One diagnosis per playbook, the most confident first (paste order among equals). */
function rankDiagnoses(all: readonly Diagnosis[]): Diagnosis[] {
  const seen = new Set<string>();
  const unique = all.filter((d) => (seen.has(d.id) ? false : (seen.add(d.id), true)));
  return unique
    .map((d, index) => ({ d, index }))
    .sort((a, b) => CONFIDENCE_RANK[a.d.confidence] - CONFIDENCE_RANK[b.d.confidence] || a.index - b.index)
    .map(({ d }) => d);
}

function firstShowMigrations(sources: readonly TextSource[]): ShowMigrations | undefined {
  for (const source of sources) {
    const show = parseShowMigrations(source.text);
    if (show && show.order.length > 0) return show;
  }
  return undefined;
}

function nodeList(nodes: readonly string[], max: number): string {
  const shown = nodes.slice(0, max).map(inlineCode).join(', ');
  return nodes.length > max ? `${shown} …and ${nodes.length - max} more` : shown;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function groundingFor(diagnoses: Diagnosis[], show: ShowMigrations | undefined, comparison: GraphComparison | undefined, graphNote: string | undefined): Grounding {
  const markdown: string[] = [];
  const context: string[] = [
    'Facts from migrate-help’s deterministic playbooks (pattern matching on the pasted text; the commands are filled with names taken from it). Treat them as true unless the user’s text contradicts them. The user already sees a short version above your answer: explain, adapt to their situation, and warn before anything destructive.',
  ];

  const shown = diagnoses.slice(0, MAX_DIAGNOSES_SHOWN);
  for (const d of shown) markdown.push(renderDiagnosisShort(d));
  if (diagnoses.length > shown.length) {
    markdown.push(`_Also recognised: ${diagnoses.slice(shown.length).map((d) => d.title).join('; ')}._`);
  }
  for (const d of diagnoses.slice(0, MAX_DIAGNOSES_FOR_MODEL)) {
    context.push(`Diagnosis (${d.id}, confidence ${d.confidence}); names found in the paste: ${JSON.stringify(d.extracted)}\n${renderDiagnosisMarkdown(d).trim()}`);
  }

  if (show) {
    markdown.push(renderShowMigrationsShort(show, comparison, MAX_NODES_SHOWN));
    const repo = comparison ? '' : '\n(No linked repository graph was available to compare with.)';
    context.push(`Pasted ${show.format === 'migrate-plan' ? 'migrate --plan' : 'showmigrations'} output, as parsed:\n${renderShowMigrationsShort(show, comparison, MAX_NODES_FOR_MODEL)}${repo}`);
  }
  if (graphNote) {
    markdown.push(`_${graphNote}_`);
    context.push(`Note: ${graphNote}`);
  }
  return { deterministicMarkdown: markdown.join('\n\n'), contextForModel: context.join('\n\n') };
}

/** Title, the recognised line, meaning, numbered recovery with commands, verify, and the first ways to prevent it. */
function renderDiagnosisShort(d: Diagnosis): string {
  const parts = [`**Diagnosis: ${d.title}**${d.confidence === 'high' ? '' : ` _(confidence: ${d.confidence})_`}`, `Recognised: ${inlineCode(clip(d.matched.replace(/`{3}/g, '').trim(), 200))}`, d.meaning];
  if (d.steps.length > 0) {
    const steps = d.steps.map((step, index) => `${index + 1}. ${step.text}${step.command ? `\n${fence(step.command, 'bash')}` : ''}`);
    parts.push(`**Recovery**\n${steps.join('\n')}`);
  }
  if (d.verify.length > 0) parts.push(`**Verify**\n${d.verify.map((line) => `- ${line}`).join('\n')}`);
  if (d.prevent.length > 0) parts.push(`**Prevent**\n${d.prevent.slice(0, MAX_PREVENT_SHOWN).map((line) => `- ${line}`).join('\n')}`);
  return parts.join('\n\n');
}

function renderShowMigrationsShort(show: ShowMigrations, comparison: GraphComparison | undefined, maxNodes: number): string {
  const lines: string[] = [];
  const apps = Object.keys(show.apps);
  const entries = Object.entries(show.apps).flatMap(([app, list]) => list.map((entry) => ({ id: `${app}.${entry.name}` as NodeId, entry })));
  if (show.format === 'migrate-plan') {
    lines.push(`**migrate --plan**: ${plural(entries.length, 'migration')} would run: ${nodeList(show.order, maxNodes)}.`);
  } else {
    const unapplied = entries.filter(({ entry }) => !entry.applied).map(({ id }) => id);
    const incomplete = entries.filter(({ entry }) => entry.recordingIncomplete).map(({ id }) => id);
    const applied = entries.length - unapplied.length;
    lines.push(
      `**showmigrations**: ${plural(apps.length, 'app')}, ${applied} applied, ${unapplied.length} not applied${unapplied.length > 0 ? ` (${nodeList(unapplied, maxNodes)})` : ''}.`,
    );
    if (incomplete.length > 0) {
      lines.push(`- \`[-]\` (squash not fully recorded, run \`python manage.py migrate\` to finish): ${nodeList(incomplete, maxNodes)}`);
    }
  }
  if (comparison) {
    const problems = comparison.unapplied.length + comparison.appliedMissingOnDisk.length + comparison.notShown.length + comparison.outOfOrder.length;
    lines.push('\n**Compared with the linked repository**');
    if (problems === 0) lines.push('- The applied migrations match the files on disk: nothing pending, nothing missing.');
    if (comparison.unapplied.length > 0) lines.push(`- Not applied yet, in plan order: ${nodeList(comparison.unapplied, maxNodes)}`);
    if (comparison.appliedMissingOnDisk.length > 0) {
      lines.push(`- Recorded as applied but not in the repository (deleted, renamed, or from another branch): ${nodeList(comparison.appliedMissingOnDisk, maxNodes)}`);
    }
    if (comparison.notShown.length > 0) lines.push(`- In the repository but not in the pasted output (newer than the deployed code?): ${nodeList(comparison.notShown, maxNodes)}`);
    const byDependency = comparison.outOfOrder.filter((item) => item.basis === 'dependency');
    const byOrder = comparison.outOfOrder.filter((item) => item.basis === 'order');
    const pairs = (items: GraphComparison['outOfOrder']) => {
      const shown = items.slice(0, maxNodes).map((item) => `${inlineCode(item.migration)} before ${inlineCode(item.unappliedDependency)}`);
      return `${shown.join(', ')}${items.length > maxNodes ? ` …and ${items.length - maxNodes} more` : ''}`;
    };
    if (byDependency.length > 0) lines.push(`- Applied before a dependency that is not (Django raises InconsistentMigrationHistory): ${pairs(byDependency)}`);
    // Without dependency data only the printed order is known: a hint, not a verdict.
    if (byOrder.length > 0) lines.push(`- Applied although an earlier migration of the same app is not (check whether it depends on it): ${pairs(byOrder)}`);
  }
  return lines.join('\n');
}
