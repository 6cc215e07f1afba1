"""Loads the files dspy-ts wrote with the real Python DSPy 3.3.1 and dspy-session 0.1.0.

    <python-runner> scripts/python-interop/check.py DIR > report.json

Run by scripts/check-python-interop.mjs. For every file it records what Python loaded (values
with their Python types) and whether saving it again from Python gives back the same bytes
(programs: everything before `metadata`, which holds each side's own versions).
"""

import json
import sys
import tempfile
from pathlib import Path

import dspy
from dspy_session import Session

SIGNATURES = {
    "predict": "question -> answer, confidence: float",
    "classify": "question -> topic",
    "answer": "question, topic -> answer, score: float",
}


class TopicQA(dspy.Module):
    def __init__(self):
        super().__init__()
        self.classify = dspy.Predict(SIGNATURES["classify"])
        self.answer = dspy.ChainOfThought(SIGNATURES["answer"])

    def forward(self, question):
        topic = self.classify(question=question).topic
        return self.answer(question=question, topic=topic)


def typed(values):
    return {key: [value, type(value).__name__] for key, value in dict(values).items()}


def before_metadata(text):
    return text[: text.index('  "metadata"')]


def check_program(path, program):
    program.load(str(path))  # raises on a file Python cannot load
    out = Path(tempfile.mkdtemp()) / path.name
    program.save(str(out))
    ours = path.read_text(encoding="utf-8")
    return {
        "loaded": True,
        "demos": {name: [typed(d) for d in p.demos] for name, p in program.named_predictors()},
        "resaved_equal_before_metadata": before_metadata(out.read_text(encoding="utf-8")) == before_metadata(ours),
    }


def first_demo_in_prompt(program):
    """The assistant message ChatAdapter formats for the first demo: what the LM would read."""
    predictor = program.named_predictors()[0][1]
    messages = dspy.ChatAdapter().format(predictor.signature, predictor.demos[:1], {"question": "?"})
    return messages[2]["content"]


def check_session(path, module):
    session = Session.load_from(str(path), module)
    out = Path(tempfile.mkdtemp()) / path.name
    session.save(str(out))
    return {
        "loaded": True,
        "history_input_fields": (
            sorted(session.history_input_fields) if session.history_input_fields is not None else None
        ),
        "turns": [
            {"inputs": typed(t.inputs), "outputs": typed(t.outputs), "score": [t.score, type(t.score).__name__]}
            for t in session.turns
        ],
        "session_history_messages": session.session_history.messages,
        "resaved_equal": out.read_text() == path.read_text(),
    }


def main(directory):
    d = Path(directory)
    predict = dspy.Predict(SIGNATURES["predict"])
    report = {
        "dspy_version": dspy.__version__,
        "program_predict.json": check_program(d / "program_predict.json", predict),
        "program_multi.json": check_program(d / "program_multi.json", TopicQA()),
        "program_compiled.json": check_program(d / "program_compiled.json", TopicQA()),
        "session_floats.json": check_session(d / "session_floats.json", dspy.Predict(SIGNATURES["predict"])),
        "session_no_history_inputs.json": check_session(
            d / "session_no_history_inputs.json", dspy.Predict("question -> answer")
        ),
    }
    report["program_predict.json"]["first_demo_in_prompt"] = first_demo_in_prompt(predict)
    json.dump(report, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
