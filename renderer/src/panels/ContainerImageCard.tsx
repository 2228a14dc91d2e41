import type { ContainerImage } from '../model/report-values';

/** deploy.container's result as the commands a user runs next: start it, ask it, ship it. */
export function ContainerImageCard({ image }: { image: ContainerImage }) {
  const commands = [
    ...(image.imageId ? [] : [`docker build -t ${image.tag} ${image.contextDir}`]),
    `docker run --rm -p 8080:8080 ${image.tag}`,
    `curl -s localhost:8080/v2/models/${image.modelName}`,
    ...(image.deployment ? [`kubectl apply -f ${image.deployment}`] : []),
    ...(image.inferenceService ? [`kubectl apply -f ${image.inferenceService}   # KServe`] : []),
  ];
  return (
    <div className="card container-image" data-testid="container-image">
      <div className="card__title">
        Image <code>{image.tag}</code>
      </div>
      <div className={image.imageId ? 'ok-text small' : 'muted small'}>
        {image.imageId ? `built ${image.imageId.slice(0, 19)}` : `not built: the build context is in ${image.contextDir}`}
      </div>
      <pre className="container-image__commands">{commands.join('\n')}</pre>
    </div>
  );
}
