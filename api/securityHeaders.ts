// Security headers on every response of the server (the page, its files, GraphQL, health, errors, 404s),
// set by helmet before anything else answers. The policy allows no inline script or style at all: the page
// loads its script and styles from files, so markup that slipped into changelog HTML cannot run code.
import type http from 'node:http';
import helmet from 'helmet';

const CONTENT_SECURITY_POLICY = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'none'"],
    scriptSrc: ["'self'"],
    scriptSrcAttr: ["'none'"],
    styleSrc: ["'self'"],
    // Changelogs show images (badges, screenshots) from their own hosts.
    imgSrc: ["'self'", 'https:'],
    connectSrc: ["'self'"],
    formAction: ["'self'"],
    baseUri: ["'none'"],
    objectSrc: ["'none'"],
    frameAncestors: ["'none'"],
  },
};

/** Powerful features the page never uses. */
const PERMISSIONS_POLICY = 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), display-capture=(), fullscreen=()';

const setHelmetHeaders = helmet({
  contentSecurityPolicy: CONTENT_SECURITY_POLICY,
  crossOriginOpenerPolicy: { policy: 'same-origin' },
  crossOriginResourcePolicy: { policy: 'same-origin' },
  referrerPolicy: { policy: 'no-referrer' },
  xFrameOptions: { action: 'deny' },
  // The server speaks plain HTTP; HSTS belongs to whatever terminates TLS in front of it.
  strictTransportSecurity: false,
});

export function setSecurityHeaders(req: http.IncomingMessage, res: http.ServerResponse): void {
  setHelmetHeaders(req, res, (err?: unknown) => {
    if (err) throw err;
  });
  res.setHeader('permissions-policy', PERMISSIONS_POLICY);
}
