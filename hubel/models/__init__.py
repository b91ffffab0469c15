"""The model zoo: ``hb.models.get_model(name)`` and the architectures themselves.

``hubel models`` prints the table; ``hb.models.list_models()`` lists the names. Every family has
its own file, whose docstring names the paper and states the key idea. The ImageNet models have
torchvision's module names and state_dict keys: load its pretrained ``.pth`` files with
:func:`hubel.interop.torch.load_torch_state_dict`.
"""

from .alexnet import AlexNet, AlexNetOriginal, alexnet, alexnet_original
from .cnn import SmallCNN, cnn
from .googlenet import GoogLeNet, GoogLeNetOutputs, googlenet, googlenet_cifar
from .lenet import LeNet5, lenet5, lenet5_cifar, lenet5_modern
from .mlp import MLP, mlp
from .mobilenet import MobileNetV1, mobilenet_v1, mobilenet_v1_cifar
from .mobilenet_v2 import MobileNetV2, mobilenet_v2
from .registry import (
    ModelInfo,
    get_model,
    list_models,
    model_info,
    parameter_count,
    register_model,
    skip_init,
)
from .resnet import ResNet, resnet18, resnet18_cifar, resnet34, resnet50, resnet101, resnet152
from .resnet_cifar import (
    CifarResNet,
    plain20,
    plain56,
    resnet20,
    resnet32,
    resnet44,
    resnet56,
    resnet110,
)
from .vgg import (
    VGG,
    CifarVGG,
    vgg11,
    vgg11_bn,
    vgg11_cifar,
    vgg13,
    vgg13_bn,
    vgg16,
    vgg16_bn,
    vgg16_cifar,
    vgg19,
    vgg19_bn,
)
