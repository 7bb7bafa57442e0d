"""The MNIST image format: the one place these numbers live.

Training, preprocessing of drawings and the models all import them from here, so a
drawing is turned into exactly what the network was trained on.
"""

IMAGE_SIZE = 28  # MNIST images are 28x28 pixels
DIGIT_BOX = 20  # the digit's longer side is scaled to 20 px (LeCun et al. 1998)
NUM_CLASSES = 10

# Mean and std of the MNIST training pixels scaled to [0, 1]: the usual normalisation.
MNIST_MEAN = 0.1307
MNIST_STD = 0.3081
