import type { Handlers } from '../../common/rpc';
import type { ModelService } from './model-service';

/** The contract's `models.*` methods. */
export type ModelHandlers = Pick<
  Handlers,
  | 'models.getState'
  | 'models.download'
  | 'models.pauseDownload'
  | 'models.resumeDownload'
  | 'models.cancelDownload'
  | 'models.useFile'
  | 'models.chooseFile'
>;

/** Maps the `models.*` methods to the model service (params are already schema-checked by the RPC layer). */
export function modelHandlers(models: ModelService): ModelHandlers {
  return {
    'models.getState': () => models.state(),
    'models.download': ({ file }) => models.download(file),
    'models.pauseDownload': ({ id }) => models.pauseDownload(id),
    'models.resumeDownload': ({ id }) => models.resumeDownload(id),
    'models.cancelDownload': ({ id }) => models.cancelDownload(id),
    'models.useFile': ({ path }) => models.useFile(path),
    'models.chooseFile': () => models.chooseFile(),
  };
}
