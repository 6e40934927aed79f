import { TwoImageForm } from './TwoImageForm.js';
import { useToolRunner } from './toolRunner.js';

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
