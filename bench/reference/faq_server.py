"""The reference's FAQ scoring server, rebuilt as a benchmark peer (../shared/REFERENCE.md §1, §4).

Flask + scikit-learn, the way the 2018 reference served its model:
- a pairwise model: TF-IDF (unigrams) of the question and, separately, of the original
  (the FAQ), side by side, into a classifier trained on pairs: each training duplicate with
  its own original and 19 random others. LogisticRegression (balanced class weights) stands
  in for LightGBM, which Debian does not package.
- `POST /score` with `{"input": "<question>"}` scores the question against every FAQ: the
  FAQ texts are vectorised again on every request, as the reference did, and the answer is
  `{"result": [[[Id, AnswerId, probability], ... all FAQs, best first], "Computed in X ms"]}`.
- `GET /` answers `Healthy`.

Run by bench/reference-server.ts with the prepared data as JSON:
  /usr/bin/python3 bench/reference/faq_server.py --data set.json --port 8081
(Flask's development server, single-threaded, as the reference ran it), or under gunicorn:
  gunicorn -w 2 -b 127.0.0.1:8081 'faq_server:create_app("set.json")'
"""
import argparse
import json
import random
import time

import numpy as np
import scipy.sparse as sp
from flask import Flask, jsonify, request
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

NEGATIVES = 19
SEED = 42


class PairwiseModel:
    def __init__(self, originals, train):
        self.originals = originals
        self.dup_vec = TfidfVectorizer()
        self.orig_vec = TfidfVectorizer()
        self.dup_vec.fit([q["text"] for q in train])
        self.orig_vec.fit([o["text"] for o in originals])
        rng = random.Random(SEED)
        by_answer = {o["answerId"]: i for i, o in enumerate(originals)}
        dups, origs, labels = [], [], []
        for q in train:
            own = by_answer[q["answerId"]]
            others = [i for i in range(len(originals)) if i != own]
            for i in [own] + rng.sample(others, min(NEGATIVES, len(others))):
                dups.append(q["text"])
                origs.append(originals[i]["text"])
                labels.append(1 if i == own else 0)
        X = sp.hstack([self.dup_vec.transform(dups), self.orig_vec.transform(origs)]).tocsr()
        self.clf = LogisticRegression(class_weight="balanced", max_iter=1000)
        self.clf.fit(X, np.array(labels))

    def score(self, text):
        n = len(self.originals)
        q = self.dup_vec.transform([text] * n)
        o = self.orig_vec.transform([orig["text"] for orig in self.originals])
        proba = self.clf.predict_proba(sp.hstack([q, o]).tocsr())[:, 1]
        order = np.argsort(-proba, kind="stable")
        return [[self.originals[i]["id"], self.originals[i]["answerId"], float(proba[i])] for i in order]


def create_app(data_path):
    with open(data_path, encoding="utf-8") as f:
        data = json.load(f)
    model = PairwiseModel(data["originals"], data["train"])
    app = Flask(__name__)

    @app.route("/", methods=["GET"])
    def healthy():
        return "Healthy"

    @app.route("/score", methods=["POST"])
    def score():
        started = time.perf_counter()
        body = request.get_json(force=True, silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("input"), str):
            return jsonify({"error": {"code": "INVALID_INPUT", "message": 'expected {"input": "<question>"}'}}), 400
        ranking = model.score(body["input"])
        return jsonify({"result": [ranking, "Computed in %.2f ms" % ((time.perf_counter() - started) * 1000)]})

    return app


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    create_app(args.data).run(host="127.0.0.1", port=args.port, threaded=False)
