import { TwoImageForm } from './TwoImageForm.tsx';
import { useToolRunner } from './toolRunner.ts';

/** Pose Changer: a person image and a pose reference image. */
export function PoseChangerPage() {
  const runner = useToolRunner('pose-changer');
  return (
    <TwoImageForm
      tool="pose-changer"
      title="Pose Changer"
      runner={runner}
      second={{ name: 'reference', label: 'Pose reference' }}
      onRun={(person, reference) => runner.run({}, { person, reference })}
    />
  );
}
