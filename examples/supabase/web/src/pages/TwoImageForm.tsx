import type { ToolHandle } from '@jobgate/react';
import { useState } from 'react';
import { FileField } from './FileField.tsx';
import { RunPanel } from './RunPanel.tsx';
import type { ToolId } from './toolRunner.ts';

export interface TwoImageFormProps {
  tool: ToolId;
  title: string;
  // biome-ignore lint/suspicious/noExplicitAny: the page's typed runner
  runner: ToolHandle<any>;
  second: { name: string; label: string };
  /** The page's typed run with both files. */
  onRun(person: File, second: File): Promise<unknown>;
}

/** The form of Pose Changer and Veste AI: a person image and a second image. */
export function TwoImageForm({ tool, title, runner, second, onRun }: TwoImageFormProps) {
  const [person, setPerson] = useState<File | null>(null);
  const [other, setOther] = useState<File | null>(null);
  const [problems, setProblems] = useState<Record<string, string | null>>({});
  const problem =
    problems.person ??
    problems[second.name] ??
    (!person
      ? 'Choose the person image first.'
      : !other
        ? `Choose the ${second.label.toLowerCase()} image first.`
        : null);
  return (
    <section className="tool" data-tool={tool}>
      <h2>{title}</h2>
      <div className="pair">
        <FileField
          name="person"
          label="Person"
          kind="image"
          file={person}
          disabled={runner.isBusy}
          onChange={(file, p) => {
            setPerson(file);
            setProblems((all) => ({ ...all, person: p }));
          }}
        />
        <FileField
          name={second.name}
          label={second.label}
          kind="image"
          file={other}
          disabled={runner.isBusy}
          onChange={(file, p) => {
            setOther(file);
            setProblems((all) => ({ ...all, [second.name]: p }));
          }}
        />
      </div>
      <RunPanel
        tool={tool}
        runner={runner}
        problem={problem}
        onRun={() => onRun(person!, other!)}
        quote={{}}
        output={(url, onError) => (
          <img data-testid="output-image" alt="result" src={url} onError={onError} />
        )}
      />
    </section>
  );
}
