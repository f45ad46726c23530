#!/usr/bin/python3
"""Trains Debian's XGBoost (python3-xgboost, the 1.7 the SageMaker image runs) on CSV files in
SageMaker's training format (label first, no header, empty = missing) with the hyperparameters
given as JSON, and prints its predictions for the rows of a third CSV as JSON.

    /usr/bin/python3 xgboost-train.py train.csv predict.csv '{"objective": "binary:logistic", ...}'
"""
import json
import sys

import numpy as np
import xgboost as xgb


def read(path):
    rows = [line.rstrip("\n").split(",") for line in open(path) if line.strip()]
    values = np.array([[np.nan if v == "" else float(v) for v in row] for row in rows], dtype=np.float32)
    return values[:, 1:], values[:, 0]


train_x, train_y = read(sys.argv[1])
predict_x, _ = read(sys.argv[2])
params = json.loads(sys.argv[3])
rounds = params.pop("num_round")
booster = xgb.train(params, xgb.DMatrix(train_x, label=train_y, missing=np.nan), num_boost_round=rounds)
predictions = booster.predict(xgb.DMatrix(predict_x, missing=np.nan))
# multi:softprob gives a row of class probabilities per input row.
print(json.dumps({"xgboost": xgb.__version__, "predictions": predictions.astype(float).tolist()}))
