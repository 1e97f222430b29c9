"""Progress: the read side — what is done, how quizzes went, and what to take next."""
