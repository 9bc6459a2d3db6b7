#!/usr/bin/python3
"""torchvision's ImageNet preprocessing of every image in a folder, for cross-checking
rtscore's preprocessing (src/tasks/vision/preprocess.ts). Not part of the test suite.

  apt-get install -y python3-torchvision python3-pil python3-numpy
  /usr/bin/python3 test/tasks/vision/torchvision/reference.py IMAGES_DIR OUT_DIR
  npx tsx test/tasks/vision/torchvision/compare.ts IMAGES_DIR OUT_DIR

Writes OUT_DIR/<file name>.f32: the 3×224×224 float32 tensor (C, H, W order) of
  Resize(256) → CenterCrop(224) → ToTensor() → Normalize(ImageNet mean, std)
on the image opened by PIL, EXIF orientation applied, converted with .convert('RGB').
"""
import os
import sys

import numpy as np
from PIL import Image, ImageOps
from torchvision import transforms as T

transform = T.Compose([
    T.Resize(256),
    T.CenterCrop(224),
    T.ToTensor(),
    T.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225]),
])

src, dst = sys.argv[1], sys.argv[2]
os.makedirs(dst, exist_ok=True)
for name in sorted(os.listdir(src)):
    image = ImageOps.exif_transpose(Image.open(os.path.join(src, name)))
    x = transform(image.convert('RGB')).numpy().astype(np.float32)
    x.tofile(os.path.join(dst, name + '.f32'))
    print(f'{name}: {image.size[0]}x{image.size[1]} {image.mode}')
