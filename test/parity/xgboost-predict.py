#!/usr/bin/python3
"""Loads a model file with Debian's XGBoost (as the SageMaker image's serving code does, Booster.load_model)
and prints its predictions for the rows of a CSV in SageMaker's training format (label first) as JSON.

    /usr/bin/python3 xgboost-predict.py model.json rows.csv
"""
import json
import sys

import numpy as np
import xgboost as xgb

rows = [line.rstrip("\n").split(",") for line in open(sys.argv[2]) if line.strip()]
values = np.array([[np.nan if v == "" else float(v) for v in row] for row in rows], dtype=np.float32)
booster = xgb.Booster()
booster.load_model(sys.argv[1])
predictions = booster.predict(xgb.DMatrix(values[:, 1:], missing=np.nan))
print(json.dumps({"xgboost": xgb.__version__, "predictions": predictions.astype(float).tolist()}))
