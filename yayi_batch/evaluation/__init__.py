"""evaluation: F1 of a published output against labelled data (`yayi-batch eval`): gold readers
(`gold`, `conll`), metrics (`metrics`) and the command (`cli`). Pure."""
