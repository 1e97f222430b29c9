"""The authoring workspace: mentors write, revise and publish lessons and quizzes, and review what a new version
of a law changed under them."""
