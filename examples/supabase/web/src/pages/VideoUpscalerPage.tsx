import { useState } from 'react';
import { FileField } from './FileField.tsx';
import { RunPanel } from './RunPanel.tsx';
import { useToolRunner } from './toolRunner.ts';

/** Video Upscaler: one video, a long run with progress. */
export function VideoUpscalerPage() {
  const runner = useToolRunner('video-upscaler');
  const [video, setVideo] = useState<File | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  return (
    <section className="tool" data-tool="video-upscaler">
      <h2>Video Upscaler</h2>
      <FileField
        name="video"
        label="Video"
        kind="video"
        file={video}
        disabled={runner.isBusy}
        onChange={(file, p) => {
          setVideo(file);
          setProblem(p);
        }}
      />
      <RunPanel
        tool="video-upscaler"
        runner={runner}
        problem={problem ?? (video ? null : 'Choose a video first.')}
        onRun={() => runner.run({}, { video: video! })}
        quote={{}}
        output={(url, onError) => (
          <video data-testid="output-video" src={url} controls muted onError={onError} />
        )}
      />
    </section>
  );
}
