"""Detection of athletes and sport gear (torchvision detectors) and athlete segmentation."""
