import binaryModel from '../../fixtures/xgboost/binary-model.json';
import cases from '../../fixtures/xgboost/cases.json';
import regressionModel from '../../fixtures/xgboost/regression-model.json';
import { ModelFormatError, XgboostModel, type XgboostJsonModel } from '../../../lib/local/trainer/xgboost-model';

const rows = cases.rows.map((row) => row.map((v) => (v === null ? Number.NaN : v)));

describe("XGBoost JSON model predictions equal XGBoost's own (fixtures from xgboost 1.7, missing values included)", () => {
  test.each([
    ['binary:logistic', binaryModel, cases.binary],
    ['reg:squarederror', regressionModel, cases.regression],
  ])('%s', (objective, json, expected) => {
    const model = new XgboostModel(json as unknown as XgboostJsonModel);
    expect(model.objective).toBe(objective);
    expect(model.featureCount).toBe(4);
    rows.forEach((row, i) => expect(model.predict(row)).toBeCloseTo(expected[i], 6));
  });

  test('GIVEN an unsupported objective THEN the error names the field', () => {
    const json = JSON.parse(JSON.stringify(binaryModel));
    json.learner.objective.name = 'multi:softmax';
    expect(() => new XgboostModel(json)).toThrow(ModelFormatError);
    expect(() => new XgboostModel(json)).toThrow('learner.objective.name "multi:softmax" is not supported');
  });

  test('GIVEN multi:softprob without num_class, or a tree_info outside the classes THEN the error names the field', () => {
    const json = JSON.parse(JSON.stringify(binaryModel));
    json.learner.objective.name = 'multi:softprob';
    json.learner.learner_model_param.num_class = '0';
    expect(() => new XgboostModel(json)).toThrow('learner.learner_model_param.num_class "0" must be at least 2 for multi:softprob');
    json.learner.learner_model_param.num_class = '2';
    json.learner.gradient_booster.model.tree_info = json.learner.gradient_booster.model.trees.map(() => 2);
    expect(() => new XgboostModel(json)).toThrow('tree_info[0] is 2, outside 0..1');
  });

  test('GIVEN a tree with inconsistent arrays THEN the error names the tree and field', () => {
    const json = JSON.parse(JSON.stringify(binaryModel));
    json.learner.gradient_booster.model.trees[2].split_conditions.pop();
    expect(() => new XgboostModel(json)).toThrow(/^trees\[2\]\.split_conditions has \d+ entries, expected \d+$/);
  });
});
