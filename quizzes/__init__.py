"""Quizzes: a lesson's quiz, its questions, attempts and responses; grading.py is pure."""
