import { TwoImageForm } from './TwoImageForm.tsx';
import { useToolRunner } from './toolRunner.ts';

/** Veste AI, the virtual try-on: a person image and a garment image. */
export function VesteAiPage() {
  const runner = useToolRunner('veste-ai');
  return (
    <TwoImageForm
      tool="veste-ai"
      title="Veste AI"
      runner={runner}
      second={{ name: 'clothing', label: 'Garment' }}
      onRun={(person, clothing) => runner.run({}, { person, clothing })}
    />
  );
}
