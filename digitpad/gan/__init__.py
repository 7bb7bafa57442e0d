"""The conditional GAN that writes digits: its networks, its engine, and the `Generator` that ships."""
