"""What the app serves: the classifier, the number reader, the explanations and the attack."""
