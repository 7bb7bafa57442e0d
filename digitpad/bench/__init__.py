"""`python -m digitpad.bench`: digitpad beside the reference recipes, on this machine. Never served.

One module per section (below), registered by name in `run.SECTIONS`; `harness` is what the sections
share (percentiles, tables; the running app and Chromium's arguments come from `digitpad.app.served`);
`gan_anchors` and `judge` are the generate section's anchors and independent judge.

Sections (each a list of rows in the JSON written to --out, and a markdown table):
  training    time to 99.0% / 99.5% test accuracy: our `quick` and `best` recipes, the
              PyTorch examples/mnist recipe and the seed's LeNet-5 recipe, restated here
              the way their code runs them (DataLoader, ToTensor + Normalize, batch 64).
  latency     pad value -> probabilities (preprocessing and model split), 280 and 800 px
              pads; and end to end through the running app with gradio_client.
  throughput  images/s scoring the 10k test set, peak memory, FLOPs per image, and the
              fraction of what this CPU's measured matmul FLOP/s would allow.
  crowd       N gradio_client visitors drawing at once, idle and during a training run;
              server memory over many drawings.
  train_tab   the Train tab's run (live curves, guesses, views) against the bare engine.
  numbers     `read_number` on numbers composed from MNIST test digits 0-4999 (separate,
              touching, photo-like): whole strings and digit counts right, time per number;
              and how long the issue's bad pictures take.
  insight     the Draw tab's Why?, Inside and Fool it: the explanations' deletion check and
              the time each view costs per drawing.
  teach       corrections and Teach it through the running app: a crowd storing corrections
              at once (rows, errors, "database is locked"); a seven-segment writer's new
              drawings read right before and after Teach it, its wall time, MNIST accuracy.
  generate    the bundled GAN beside the PyTorch examples' DCGAN and the Keras conditional
              GAN, trained here for the same time: agreement of the bundled classifier and
              of the independent judge, Fréchet distance (and its real-vs-real floor),
              diversity per digit, and the time to sample 100 digits.
  browser     in headless Chromium: pen-up to the answer on the stroke pad, answers while a
              stroke is drawn, Retrain-to-done with the defaults.

--quick keeps the whole run under 5 minutes on a 2-core CPU: references are timed over a
fixed number of steps and their time to 99% extrapolated from epochs-to-99% measured by
the full run (REFERENCE_EPOCHS_TO). --steps N is a smoke mode for the tests.
"""
