"""Topic ``concepts``: multiple-choice questions on the ideas of the course, with explanations.

Each item has one right answer, three tempting wrong ones (the usual misconceptions), and an
explanation shown as the solution. The choices are shuffled by the seed; the answer is a letter.
Difficulty does not change these questions.
"""

from dataclasses import dataclass

from hubel.quiz.dice import Dice
from hubel.quiz.question import CHOICE, LETTERS, Question
from hubel.quiz.topic import Topic


@dataclass(frozen=True)
class Concept:
    """A question, its right answer, three wrong ones, the key idea and the explanation."""

    question: str
    right: str
    wrong: tuple[str, str, str]
    idea: str
    explanation: str


BANK = (
    Concept(
        "Why must the weights of a layer not all be initialised to zero?",
        "Every neuron of the layer computes the same output and gets the same gradient, so "
        "they stay identical forever",
        (
            "The loss would be zero, so nothing would be learned",
            "Zero weights make the activations explode",
            "Optimizers cannot divide by zero weights",
        ),
        "symmetry",
        "With identical weights the neurons are interchangeable: backprop gives each the same "
        "gradient, so after every update they are still equal. Random initialisation breaks "
        "the symmetry.",
    ),
    Concept(
        "What mean and variance does BatchNorm use at inference (model.eval())?",
        "The running averages of mean and variance collected during training",
        (
            "The mean and variance of the current test batch",
            "Mean 0 and variance 1, since the data is already normalised",
            "The mean and variance of the first training batch",
        ),
        "running statistics",
        "In training BN normalises with the batch's own statistics and updates an exponential "
        "moving average of them; at inference it uses those fixed averages, so a prediction "
        "does not depend on the other images in the batch.",
    ),
    Concept(
        "What does BatchNorm normalise with during training (model.train())?",
        "The current mini-batch's mean and variance",
        (
            "The running averages collected so far",
            "The mean and variance of the whole training set, computed once",
            "Its learned parameters γ and β only",
        ),
        "batch statistics",
        "During training each batch is standardised with its own mean and variance (and the "
        "running averages are updated for later); γ and β then rescale and shift the result.",
    ),
    Concept(
        "Why do ResNet's skip connections make very deep networks trainable?",
        "The identity path lets the gradient flow straight back to early layers; each block only "
        "has to learn a residual F(x) added to x",
        (
            "They reduce the number of parameters by half",
            "They replace the activation functions, so nothing saturates",
            "They act as dropout between layers",
        ),
        "gradient highway",
        "y = F(x) + x has dy/dx = F'(x) + 1: the '+ 1' carries the gradient past every block "
        "undiminished, so gradients do not vanish in 152 layers, and a block that is not needed "
        "can just learn F(x) ≈ 0.",
    ),
    Concept(
        "What do the 1x1 convolutions in GoogLeNet's Inception modules mainly do?",
        "Reduce the number of channels before the expensive 3x3 and 5x5 convolutions, cutting "
        "parameters and MACs",
        (
            "Reduce the height and width of the feature maps",
            "Replace pooling layers",
            "Add spatial context from neighbouring pixels",
        ),
        "dimensionality reduction",
        "A 1x1 convolution mixes channels at each pixel without looking at neighbours: 256 "
        "channels squeezed to 64 make the following 5x5 convolution about 4 times cheaper.",
    ),
    Concept(
        "When is dropout active?",
        "Only during training; at test time (model.eval()) it passes everything through",
        (
            "Only at test time, to make predictions robust",
            "Always, in training and at test time",
            "Only during the first epochs of training",
        ),
        "training only",
        "Dropout randomly zeroes units while training so the network cannot rely on any one "
        "of them. At inference it is off; PyTorch scales the survivors by 1/(1 - p) during "
        "training so that no rescaling is needed then.",
    ),
    Concept(
        "What is a deep network without activation functions equivalent to?",
        "A single linear layer (a linear model), however many layers it has",
        (
            "A deeper network that learns more slowly",
            "A decision tree",
            "A network whose gradients always vanish",
        ),
        "linear collapse",
        "A composition of linear maps is linear: W2(W1·x + b1) + b2 = (W2W1)·x + (W2b1 + b2). "
        "Only the non-linearities let depth add expressive power.",
    ),
    Concept(
        "Which initialisation is designed for ReLU networks?",
        "Kaiming (He): variance 2/fan_in, to make up for ReLU zeroing half of the activations",
        (
            "Xavier (Glorot): variance 2/(fan_in + fan_out)",
            "All zeros, since ReLU is zero for negative inputs anyway",
            "Uniform between -1 and 1 for every layer",
        ),
        "Kaiming for ReLU",
        "ReLU passes only about half of its inputs, halving the variance at each layer; Kaiming's "
        "factor 2 restores it. Xavier keeps the variance for symmetric activations like tanh.",
    ),
    Concept(
        "Training accuracy is 99% but validation accuracy is 70%. What is happening?",
        "Overfitting: the model memorises the training set; regularise (dropout, L2, "
        "augmentation) or get more data",
        (
            "Underfitting: the model needs more layers",
            "The learning rate is too small",
            "Vanishing gradients in the first layers",
        ),
        "overfitting",
        "A large gap between training and validation accuracy means the model fits details of "
        "the training data that do not generalise.",
    ),
    Concept(
        "Why do convolutional layers need far fewer parameters than fully connected ones on "
        "images?",
        "Each filter is small and its weights are shared across all positions of the image",
        (
            "Convolutions have no biases",
            "Convolutions only see grayscale images",
            "Pooling removes most of the weights",
        ),
        "weight sharing",
        "A 5x5x3 filter has 76 parameters wherever it slides; a fully connected layer on a "
        "32x32x3 image needs 3,072 weights for every single output neuron.",
    ),
    Concept(
        "What does MobileNet's depthwise separable convolution do?",
        "A spatial convolution on each channel alone, then a 1x1 convolution that mixes the "
        "channels, for about 1/N + 1/D_K² of the MACs",
        (
            "A standard convolution with a larger stride",
            "Two standard 3x3 convolutions in a row",
            "A convolution on half of the channels only",
        ),
        "depthwise + pointwise",
        "Splitting filtering (depthwise, groups = channels) from mixing (pointwise 1x1) removes "
        "most multiplications: for 3x3 kernels about 8 to 9 times fewer MACs.",
    ),
    Concept(
        "Why does VGG stack 3x3 convolutions instead of using larger filters?",
        "Two 3x3 layers see a 5x5 region (three see 7x7) with fewer parameters and an extra "
        "non-linearity",
        (
            "3x3 filters are the only size GPUs support",
            "Larger filters cannot be padded",
            "3x3 filters need no biases",
        ),
        "small filters, deep stacks",
        "Receptive fields grow by k - 1 per layer: 3x3 + 3x3 covers 5x5 with 2·9·C² weights "
        "instead of 25·C², and a ReLU in between.",
    ),
    Concept(
        "What does a softmax output layer give?",
        "Probabilities: positive numbers that sum to 1 over the classes",
        (
            "The class index with the highest score",
            "Scores normalised to mean 0 and variance 1",
            "Independent probabilities for each class, each in (0, 1), not summing to 1",
        ),
        "probabilities",
        "p_k = e^s_k / Σ_j e^s_j: exponentials are positive and dividing by their sum makes "
        "them add up to 1.",
    ),
    Concept(
        "Why does the sigmoid make deep networks hard to train?",
        "Its derivative is at most 0.25 and near 0 when it saturates, so gradients shrink "
        "layer after layer",
        (
            "It is too expensive to compute",
            "Its outputs can be negative",
            "It has no derivative at 0",
        ),
        "vanishing gradients",
        "σ'(x) = σ(x)(1 - σ(x)) ≤ 0.25; backpropagation multiplies one such factor per layer, "
        "so the gradient reaching the first layers vanishes. ReLU's derivative is 1 for x > 0.",
    ),
    Concept(
        "What should you pass to PyTorch's nn.CrossEntropyLoss?",
        "The raw scores (logits): it applies log-softmax itself",
        (
            "Softmax probabilities",
            "The predicted class indices",
            "The log of the softmax probabilities",
        ),
        "logits",
        "CrossEntropyLoss combines LogSoftmax and NLLLoss in one stable function; applying "
        "softmax first would apply it twice.",
    ),
    Concept(
        "What does Adam adapt?",
        "A separate step size for each weight, from running averages of the gradient and of "
        "its square",
        (
            "One global learning rate, lowered when the loss stops improving",
            "The batch size during training",
            "The number of layers",
        ),
        "per-weight step sizes",
        "Adam divides the running mean of the gradient (momentum) by the root of the running "
        "mean of its square, so weights with small, consistent gradients take larger steps.",
    ),
    Concept(
        "What does momentum add to SGD?",
        "A velocity that accumulates past gradients, speeding up in consistent directions and "
        "damping oscillations",
        (
            "A penalty on large weights",
            "A learning rate that grows every step",
            "Random noise that helps escape local minima",
        ),
        "velocity",
        "b ← μ·b + g, w ← w - lr·b: gradients that agree add up, those that flip sign cancel.",
    ),
    Concept(
        "What can happen to a BatchNorm layer that follows a convolution, for faster inference?",
        "It can be folded into the convolution's weights and bias",
        (
            "It must be kept, since its batch statistics change at every input",
            "It can be replaced by dropout",
            "It can be moved before the convolution",
        ),
        "BN folding",
        "At inference BN is a fixed affine map per channel: W' = W·γ/√(σ² + ε) and "
        "b' = (b - μ)·γ/√(σ² + ε) + β give the same outputs with one layer fewer.",
    ),
    Concept(
        "What did Hubel and Wiesel's experiments on the visual cortex show?",
        "Neurons respond hierarchically: simple edges first, then shapes, then complex objects",
        (
            "Every neuron responds to every part of the image equally",
            "The brain processes images one pixel at a time",
            "Vision is learned by backpropagation",
        ),
        "hierarchy",
        "Early neurons detect oriented edges in a small region; later ones combine them into "
        "larger, more complex patterns, the idea behind stacking convolutional layers.",
    ),
)


def generate(dice: Dice, level: int) -> Question:
    """One concept with its four choices shuffled."""
    concept = dice.choice(BANK)
    choices = dice.shuffled((concept.right, *concept.wrong))
    letter = LETTERS[choices.index(concept.right)]
    return Question(
        concept.question,
        CHOICE,
        letter,
        concept.idea,
        (concept.explanation,),
        choices=tuple(choices),
        problem={"concept": BANK.index(concept)},
    )


TOPIC = Topic(
    "concepts",
    "conceptual multiple choice: initialisation, BN, ResNet, Inception, dropout...",
    "the README's tour and its sections on the model zoo and the lab; `hubel lab list` shows "
    "each claim as an experiment (e.g. `hubel lab run batchnorm`, `hubel lab run residual`)",
    generate,
)
