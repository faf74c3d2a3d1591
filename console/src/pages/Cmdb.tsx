import Header from '@cloudscape-design/components/header';

// TODO(issue 10): placeholder while the page is written.
export default function Cmdb() {
  return <Header variant="h1">Cmdb</Header>;
}
