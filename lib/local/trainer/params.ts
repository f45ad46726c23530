import type { MlopsConfig } from '../../config';
import type { TrainingParams } from './gbt-trainer';

/** The trainer's parameters from the config's hyperparameters (the same values SageMaker gets). */
export function trainingParams(hp: MlopsConfig['training']['hyperparameters']): TrainingParams {
  return {
    objective: hp.objective,
    ...(hp.numClass === undefined ? {} : { numClass: hp.numClass }),
    numRound: hp.numRound,
    maxDepth: hp.maxDepth,
    eta: hp.eta,
    subsample: hp.subsample,
    minChildWeight: hp.minChildWeight,
    lambda: hp.lambda,
    evalMetric: hp.evalMetric,
    earlyStoppingRounds: hp.earlyStoppingRounds,
  };
}
