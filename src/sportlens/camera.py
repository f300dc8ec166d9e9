"""Image-to-plane geometry shared by tasks: the homography from four or more image points to a flat court
(metres), applying it, and the standard courts of racket sports (their corner coordinates in metres)."""

from __future__ import annotations

import numpy as np

# width (sideline to sideline) x length (baseline to baseline) in metres, doubles courts (the outer lines)
COURT_SIZES_M: dict[str, tuple[float, float]] = {
    "badminton": (6.10, 13.40),
    "tennis": (10.97, 23.77),
}


def court_corners_m(width_m: float, length_m: float) -> np.ndarray:
    """(4, 2) court corners in metres, in the order a user lists them in the image: far-left, far-right,
    near-right, near-left (x across the court, y along it from the far baseline)."""
    return np.array([[0.0, 0.0], [width_m, 0.0], [width_m, length_m], [0.0, length_m]])


def court_homography(image_px, court_m) -> np.ndarray:
    """The 3x3 homography H mapping image points (n, 2) px to court points (n, 2) m, n >= 4, by the
    normalised direct linear transform (least squares for n > 4)."""
    src = np.asarray(image_px, dtype=float)
    dst = np.asarray(court_m, dtype=float)
    if src.shape != dst.shape or src.ndim != 2 or src.shape[1] != 2 or len(src) < 4:
        raise ValueError("need at least 4 matching (x, y) points in image_px and court_m")

    def normaliser(p):
        c = p.mean(axis=0)
        s = np.sqrt(2) / np.mean(np.linalg.norm(p - c, axis=1))
        return np.array([[s, 0, -s * c[0]], [0, s, -s * c[1]], [0, 0, 1]])

    ts, td = normaliser(src), normaliser(dst)
    a = []
    for (x, y), (u, v) in zip(apply_homography(ts, src), apply_homography(td, dst), strict=True):
        a.append([-x, -y, -1, 0, 0, 0, u * x, u * y, u])
        a.append([0, 0, 0, -x, -y, -1, v * x, v * y, v])
    _, sing, vt = np.linalg.svd(np.asarray(a))
    if sing[-2] < 1e-12:
        raise ValueError("the points are degenerate (three or more on one line?)")
    h = np.linalg.inv(td) @ vt[-1].reshape(3, 3) @ ts
    return h / h[2, 2]


def apply_homography(h: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """(n, 2) points through the 3x3 homography h -> (n, 2); NaN rows stay NaN."""
    pts = np.asarray(pts, dtype=float).reshape(-1, 2)
    p = np.column_stack([pts, np.ones(len(pts))]) @ np.asarray(h, dtype=float).T
    return p[:, :2] / p[:, 2:3]


def to_metres(x_px, y_px, m_per_px: float | None = None, homography=None) -> np.ndarray:
    """Pixel positions (n,) to metres (n, 2): times the scale, or through the image-to-court homography."""
    pts = np.column_stack([np.asarray(x_px, dtype=float), np.asarray(y_px, dtype=float)])
    if (m_per_px is None) == (homography is None):
        raise ValueError("give exactly one of m_per_px or homography")
    if m_per_px is not None:
        if m_per_px <= 0:
            raise ValueError(f"m_per_px must be positive, got {m_per_px}")
        return pts * m_per_px
    return apply_homography(np.asarray(homography, dtype=float), pts)


# ---- pinhole cameras (calibration and multi-camera 3D) --------------------------------------------------


class Camera:
    """A calibrated pinhole camera in Pose2Sim's convention: size (width, height) px, intrinsic matrix K (3, 3)
    px, OpenCV distortions [k1, k2, p1, p2(, k3 ...)], rotation as a Rodrigues vector (rad) and translation
    (m) from world to camera: X_cam = R @ X_world + t."""

    __slots__ = ("name", "size", "matrix", "distortions", "rotation", "translation", "fisheye")

    def __init__(self, name: str, size, matrix, distortions=(0.0, 0.0, 0.0, 0.0), rotation=(0.0, 0.0, 0.0),
                 translation=(0.0, 0.0, 0.0), fisheye: bool = False):
        self.name = str(name)
        self.size = (int(round(float(size[0]))), int(round(float(size[1]))))
        self.matrix = np.asarray(matrix, dtype=float).reshape(3, 3)
        self.distortions = np.asarray(distortions, dtype=float).ravel()
        self.rotation = np.asarray(rotation, dtype=float).reshape(3)
        self.translation = np.asarray(translation, dtype=float).reshape(3)
        self.fisheye = bool(fisheye)

    def __repr__(self) -> str:
        return f"Camera({self.name!r}, size={self.size}, f={self.matrix[0, 0]:.1f}px)"

    def replace(self, **changes) -> Camera:
        fields = {name: getattr(self, name) for name in self.__slots__}
        fields.update(changes)
        return Camera(**fields)

    @property
    def rotation_matrix(self) -> np.ndarray:
        """(3, 3) world-to-camera rotation."""
        return rodrigues_to_matrix(self.rotation)

    @property
    def extrinsic(self) -> np.ndarray:
        """(3, 4) [R | t]: world (m) to camera coordinates (m)."""
        return np.column_stack([self.rotation_matrix, self.translation])

    @property
    def projection(self) -> np.ndarray:
        """(3, 4) P = K [R | t]: world (m) to homogeneous image pixels, distortion left out."""
        return self.matrix @ self.extrinsic

    @property
    def centre_m(self) -> np.ndarray:
        """(3,) the camera's optical centre in world coordinates (m): -R^T t."""
        return -self.rotation_matrix.T @ self.translation

    def project(self, points_m, distort: bool = True) -> np.ndarray:
        """World points (n, 3) m -> image points (n, 2) px (with the lens distortion unless distort=False);
        points behind the camera come back NaN."""
        import cv2

        pts = np.asarray(points_m, dtype=float).reshape(-1, 3)
        out = np.full((len(pts), 2), np.nan)
        ok = np.isfinite(pts).all(axis=1)
        if not ok.any():
            return out
        depth = pts[ok] @ self.rotation_matrix[2] + self.translation[2]
        dist = self.distortions if distort else np.zeros(4)
        if self.fisheye:
            img, _ = cv2.fisheye.projectPoints(pts[ok].reshape(-1, 1, 3), self.rotation, self.translation,
                                               self.matrix, dist[:4])
        else:
            img, _ = cv2.projectPoints(pts[ok], self.rotation, self.translation, self.matrix, dist)
        img = img.reshape(-1, 2)
        img[depth <= 0] = np.nan
        out[ok] = img
        return out

    def normalise(self, points_px, undistort: bool = True) -> np.ndarray:
        """Image points (n, 2) px -> normalised camera coordinates (n, 2) (x/z, y/z), the lens distortion
        removed unless undistort=False; NaN rows stay NaN."""
        import cv2

        pts = np.asarray(points_px, dtype=float).reshape(-1, 2)
        out = np.full_like(pts, np.nan)
        ok = np.isfinite(pts).all(axis=1)
        if not ok.any():
            return out
        if undistort and np.any(self.distortions):
            src = pts[ok].reshape(-1, 1, 2)
            if self.fisheye:
                out[ok] = cv2.fisheye.undistortPoints(src, self.matrix, self.distortions[:4]).reshape(-1, 2)
            else:
                out[ok] = cv2.undistortPoints(src, self.matrix, self.distortions).reshape(-1, 2)
        else:
            homog = np.column_stack([pts[ok], np.ones(ok.sum())]) @ np.linalg.inv(self.matrix).T
            out[ok] = homog[:, :2] / homog[:, 2:3]
        return out


def rodrigues_to_matrix(rvec) -> np.ndarray:
    """A Rodrigues rotation vector (3,) rad -> (3, 3) rotation matrix."""
    r = np.asarray(rvec, dtype=float).reshape(3)
    theta = float(np.linalg.norm(r))
    if theta < 1e-15:
        return np.eye(3)
    k = r / theta
    kx = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + np.sin(theta) * kx + (1 - np.cos(theta)) * kx @ kx


def matrix_to_rodrigues(rotation) -> np.ndarray:
    """A (3, 3) rotation matrix -> its Rodrigues vector (3,) rad."""
    import cv2

    vec, _ = cv2.Rodrigues(np.asarray(rotation, dtype=float).reshape(3, 3))
    return vec.reshape(3)
