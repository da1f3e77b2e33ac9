// The producers and consumers connected to a broker node.

export { ClientRegistry, clientHeadersOf, type ClientView, type ClientSubscription, type ClientHeaders, type ClientRegistryOptions } from './client-registry.ts';
